package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Random;

/** Setting parameter values: from loaded tensors, or from a seeded generator in Java. */
public final class Weights {

    private Weights() {}

    /**
     * The values of {@code a} as FP32 floats. Unlike {@code a.toType(FLOAT32, false).toFloatArray()}, an FP16 or BF16
     * array leaves no converted copy behind on its manager (a weight's manager lives as long as the model).
     */
    public static float[] floats(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    /**
     * Gives {@code p} the value {@code fresh}, which the caller hands over (it must not be used
     * afterwards). An initialized parameter keeps its array object, so optimizers and gradient
     * buffers that refer to it stay valid; an uninitialized one adopts {@code fresh} onto {@code
     * owner}.
     *
     * @throws IllegalArgumentException when the shapes differ or {@code fresh} is not
     *     floating-point (a parameter trains, so it needs floats); nothing is changed then
     */
    public static void assign(String key, Parameter p, NDArray fresh, NDManager owner) {
        Shape want = p.getShape() != null ? p.getShape() : fresh.getShape();
        if (!want.equals(fresh.getShape())) {
            throw new IllegalArgumentException(
                    "shape mismatch for '" + key + "': model expects " + want + ", got " + fresh.getShape());
        }
        if (!fresh.getDataType().isFloating()) {
            throw new IllegalArgumentException("'" + key + "' needs floating-point values, got " + fresh.getDataType());
        }
        if (p.isInitialized()) {
            copyInto(p.getArray(), fresh);
            fresh.close();
            return;
        }
        fresh.attach(owner);
        NDArray adopted = fresh;
        p.setInitializer((manager, shape, dataType) -> adopted);
        p.initialize(owner, fresh.getDataType());
    }

    /**
     * The dtype a loaded value of {@code p} gets: the parameter's own when it has a value, else
     * FLOAT32, the dtype peft4j builds models in (transformers' default {@code torch_dtype}).
     */
    public static DataType loadType(Parameter p) {
        return p.isInitialized() ? p.getArray().getDataType() : DataType.FLOAT32;
    }

    /**
     * {@code value} in {@link #loadType} of {@code p}, as transformers casts a checkpoint's floats to
     * the model's dtype: a FLOAT64 tensor from the file becomes FLOAT32. Returns {@code value} itself
     * when nothing changes; otherwise closes it and returns the converted array, on the same manager.
     */
    public static NDArray toLoadType(NDArray value, Parameter p) {
        DataType want = loadType(p);
        if (value.getDataType() == want || !value.getDataType().isFloating()) {
            return value;
        }
        NDArray converted = value.toType(want, false);
        value.close();
        return converted;
    }

    /**
     * Copies {@code source}'s values into {@code target} in place, keeping the target's identity,
     * dtype and memory. On the CPU the values are written through a view of the target's own
     * memory: DJL's {@code set(Buffer)} would instead make the target alias a Java buffer, whose
     * memory only the garbage collector returns.
     */
    public static void copyInto(NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape())) {
            throw new IllegalArgumentException("cannot copy " + source.getShape() + " into " + target.getShape());
        }
        NDArray src =
                source.getDataType() == target.getDataType() ? source : source.toType(target.getDataType(), false);
        if (target.getDevice().isGpu()) {
            target.set(src.toByteBuffer());
        } else {
            target.toByteBuffer(true).put(src.toByteBuffer(true));
        }
        if (src != source) {
            src.close();
        }
    }

    /** Fills a new FLOAT32 array with N(mean, std²) values drawn in Java from {@code rnd}. */
    public static NDArray normal(NDManager m, Shape shape, double mean, double std, Random rnd) {
        float[] v = new float[javaLength(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + std * rnd.nextGaussian());
        }
        return m.create(v, shape);
    }

    /** Fills a new FLOAT32 array with U(low, high) values drawn in Java from {@code rnd}. */
    public static NDArray uniform(NDManager m, Shape shape, double low, double high, Random rnd) {
        float[] v = new float[javaLength(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (low + (high - low) * rnd.nextDouble());
        }
        return m.create(v, shape);
    }

    /** The element count of {@code shape}, which must fit one Java array to be drawn in Java. */
    private static int javaLength(Shape shape) {
        long n = shape.size();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot draw " + shape + " (" + n + " values) in Java: more"
                    + " than one Java array holds; load such weights from a checkpoint instead");
        }
        return (int) n;
    }
}
