package ai.peft4j.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.ModuleTree;
import java.util.Map;

/**
 * Where training runs and in which precision the weights are held.
 *
 * <p>{@link #choose} picks the first GPU when the engine sees one, else the CPU, unless a device is
 * given explicitly. On a GPU the frozen base weights may be held in FP16 ({@link
 * #place(Block, Device, boolean)} with {@code halfPrecisionBase}); trainable weights and the
 * optimizer state always stay FP32, and BF16 is never used (it aborts DJL's PyTorch engine). The
 * FP16 weights are up-cast to FP32 when a step fetches them ({@link #parameterStore}), so the
 * arithmetic is FP32 and LoRA layers see matching dtypes; FP16 saves memory at rest, not compute.
 */
public final class DevicePlacement {

    private DevicePlacement() {}

    /** The device to train on: {@code override} when not null, else GPU 0 when {@code gpuCount > 0}. */
    public static Device choose(int gpuCount, Device override) {
        if (override != null) {
            return override;
        }
        return gpuCount > 0 ? Device.gpu(0) : Device.cpu();
    }

    /** {@link #choose(int, Device)} with the engine's GPU count. */
    public static Device choose(Device override) {
        return override != null ? override : choose(Engine.getInstance().getGpuCount(), null);
    }

    /**
     * Moves every parameter of {@code model} to {@code device}, in place (each {@link Parameter}
     * keeps its identity; the array is replaced by one on the same manager as before). Trainable
     * parameters become FP32; with {@code halfPrecisionBase} on a GPU, frozen FP32 parameters become
     * FP16. BF16 parameters are refused.
     *
     * @return the number of parameters whose array was replaced
     */
    public static int place(Block model, Device device, boolean halfPrecisionBase) {
        return placeAnyDevice(model, device, halfPrecisionBase && device.isGpu());
    }

    /**
     * {@link #place(Block, Device, boolean)} without the GPU condition: with {@code halfBase} the
     * frozen FP32 weights become FP16 on any device (the unit tests hold a tiny model so on the CPU).
     */
    static int placeAnyDevice(Block model, Device device, boolean halfBase) {
        int moved = 0;
        for (Map.Entry<String, Parameter> e : ModuleTree.uniqueParameters(model).entrySet()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                throw new IllegalStateException("parameter '" + e.getKey() + "' has no value");
            }
            NDArray a = p.getArray();
            DataType dt = a.getDataType();
            if (dt == DataType.BFLOAT16) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' is BF16, which DJL's"
                        + " PyTorch engine cannot handle; load the model in FP32");
            }
            DataType want = targetType(p.requiresGradient(), dt, halfBase);
            if (a.getDevice().equals(device) && dt == want) {
                continue;
            }
            NDManager owner = a.getManager();
            NDArray fresh = a.toDevice(device, true);
            if (fresh.getDataType() != want) {
                NDArray cast = fresh.toType(want, true);
                fresh.close();
                fresh = cast;
            }
            fresh.attach(owner);
            NDArray adopted = fresh;
            p.close();
            p.setInitializer((m, s, t) -> adopted);
            p.initialize(owner, want);
            moved++;
        }
        return moved;
    }

    /** The dtype a parameter is held in. */
    static DataType targetType(boolean trainable, DataType current, Device device, boolean halfBase) {
        return targetType(trainable, current, halfBase && device.isGpu());
    }

    private static DataType targetType(boolean trainable, DataType current, boolean halfBase) {
        if (trainable) {
            return DataType.FLOAT32;
        }
        if (halfBase && current == DataType.FLOAT32) {
            return DataType.FLOAT16;
        }
        return current;
    }

    /**
     * A parameter store for one step on {@code stepManager}: FP16 weights are handed out as FP32
     * copies on the step manager (freed with it), everything else as is.
     */
    public static ParameterStore parameterStore(NDManager stepManager) {
        return new ParameterStore(stepManager, false) {
            @Override
            public NDArray getValue(Parameter parameter, Device device, boolean training) {
                NDArray v = super.getValue(parameter, device, training);
                if (v != null && v.getDataType() == DataType.FLOAT16) {
                    NDArray up = v.toType(DataType.FLOAT32, true);
                    up.attach(stepManager);
                    return up;
                }
                return v;
            }
        };
    }
}
