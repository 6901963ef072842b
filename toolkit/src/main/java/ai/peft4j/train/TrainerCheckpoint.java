package ai.peft4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.peft4j.PeftModel;
import ai.peft4j.io.AtomicFolder;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.io.safetensors.SafetensorsWriter;
import ai.peft4j.io.safetensors.Tensor;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.TrainingHooks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's own state file, {@value #FILE}, written next to the PEFT adapter in each {@code
 * checkpoint-<step>/}: for every trainable parameter (by in-memory key) its FP32 value ({@code
 * master/<key>}), AdamW's first and second moments ({@code exp_avg/<key>}, {@code
 * exp_avg_sq/<key>}); the step counters, schedule and data/RNG position, and with {@code fp16} the
 * loss scaler's state ({@code scaler.scale}, {@code scaler._growth_tracker}, ...: what transformers
 * saves as {@code scaler.pt}) are in the header's {@code __metadata__}.
 */
public final class TrainerCheckpoint {

    /** The file name. */
    public static final String FILE = "optimizer.safetensors";
    /** The format tag in the metadata. */
    public static final String FORMAT = "peft4j-trainer-1";

    private static final Logger LOG = LoggerFactory.getLogger(TrainerCheckpoint.class);

    private TrainerCheckpoint() {}

    /**
     * Writes {@code outputDir/checkpoint-<step>/}: the adapter in PEFT's format and {@value #FILE},
     * as one step ({@link AtomicFolder}): a process killed while saving over a checkpoint leaves the
     * old one or the new one.
     */
    static Path save(
            Path outputDir,
            long globalStep,
            TrainingArguments args,
            LrSchedule schedule,
            PeftModel model,
            Map<String, Parameter> params,
            AdamW optimizer,
            MixedPrecision precision) {
        Path target = outputDir.resolve("checkpoint-" + globalStep);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("global_step", Long.toString(globalStep));
        meta.put("micro_batch_index", Long.toString(globalStep * args.gradientAccumulationSteps()));
        meta.put("gradient_accumulation_steps", Integer.toString(args.gradientAccumulationSteps()));
        meta.put("batch_size", Integer.toString(args.perDeviceTrainBatchSize()));
        meta.put("seed", Long.toString(args.seed()));
        meta.put("rng", "engine seed = seed + micro_batch_index, set before each micro-batch");
        meta.put("scheduler", schedule.type().hfName());
        meta.put("base_lr", Double.toString(schedule.baseLr()));
        meta.put("warmup_steps", Integer.toString(schedule.warmupSteps()));
        meta.put("total_steps", Integer.toString(schedule.totalSteps()));
        meta.put("last_lr", Double.toString(schedule.lr(Math.max(0, precision.scheduleStep(globalStep) - 1))));
        meta.putAll(precision.metadata()); // transformers keeps the scaler in scaler.pt
        try {
            AtomicFolder.save(target, staging -> {
                model.savePretrained(staging);
                try (NDManager hook = NDManager.newBaseManager()) {
                    Map<String, NDArray> hookState =
                            model.adapterHost() instanceof TrainingHooks h ? h.trainingState(hook) : Map.of();
                    write(staging.resolve(FILE), params, optimizer, meta, hookState);
                }
            });
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Puts a checkpoint's trainable weights and AdamW moments into {@code params} and {@code
     * optimizer}; returns its global step. Settings that change the trajectory (batch size,
     * accumulation, seed) are compared with {@code args}, and a difference is logged.
     */
    static long restore(
            Path checkpointDir,
            PeftModel model,
            TrainingArguments args,
            Map<String, Parameter> params,
            AdamW optimizer,
            MixedPrecision precision,
            NDManager scope) {
        State s = read(AtomicFolder.file(checkpointDir, FILE));
        if (!s.master().keySet().equals(params.keySet())) {
            throw new IllegalArgumentException("checkpoint " + checkpointDir
                    + " does not hold this model's trainable parameters; checkpoint: "
                    + s.master().keySet()
                    + ", model: " + params.keySet());
        }
        Map<String, String> now = Map.of(
                "gradient_accumulation_steps", Integer.toString(args.gradientAccumulationSteps()),
                "batch_size", Integer.toString(args.perDeviceTrainBatchSize()),
                "seed", Long.toString(args.seed()));
        for (String k : List.of("gradient_accumulation_steps", "batch_size", "seed")) {
            if (!now.get(k).equals(s.metadata().get(k))) {
                LOG.warn(
                        "Resuming with {}={}, the checkpoint used {}; the run will not repeat the original"
                                + " trajectory",
                        k,
                        now.get(k),
                        s.metadata().get(k));
            }
        }
        try (NDManager local = scope.newSubManager()) {
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray target = e.getValue().getArray();
                Weights.copyInto(target, local.create(s.master().get(e.getKey()), target.getShape()));
            }
            if (model.adapterHost() instanceof TrainingHooks h) {
                Map<String, NDArray> hookState = new LinkedHashMap<>();
                s.hook()
                        .forEach((k, t) -> hookState.put(
                                k, local.create(s.hookValues().get(k), new ai.djl.ndarray.types.Shape(t))));
                h.restoreTrainingState(hookState);
            }
        }
        optimizer.load(Long.parseLong(s.metadata().get("optimizer_step")), s.expAvg(), s.expAvgSq(), params);
        precision.restore(s.metadata());
        return Long.parseLong(s.metadata().get("global_step"));
    }

    static void write(Path file, Map<String, Parameter> params, AdamW opt, Map<String, String> meta) {
        write(file, params, opt, meta, Map.of());
    }

    /** With the adapter host's own state ({@link TrainingHooks#trainingState}) as {@code hook/<name>}. */
    static void write(
            Path file, Map<String, Parameter> params, AdamW opt, Map<String, String> meta, Map<String, NDArray> hook) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        hook.forEach((k, a) -> tensors.put("hook/" + k, floats(a)));
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String k = e.getKey();
            tensors.put("master/" + k, floats(e.getValue().getArray()));
            NDArray m = opt.expAvg().get(k);
            NDArray v = opt.expAvgSq().get(k);
            if (m != null) {
                tensors.put("exp_avg/" + k, floats(m));
                tensors.put("exp_avg_sq/" + k, floats(v));
            }
        }
        Map<String, String> md = new LinkedHashMap<>(meta);
        md.put("format", FORMAT);
        md.put("optimizer", "AdamW");
        md.put("optimizer_step", Long.toString(opt.stepCount()));
        try {
            SafetensorsWriter.write(file, tensors, md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Tensor floats(NDArray a) {
        return Tensor.ofFloats(
                a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(),
                a.getShape().getShape());
    }

    /** What a state file holds. */
    record State(
            Map<String, String> metadata,
            Map<String, float[]> master,
            Map<String, float[]> expAvg,
            Map<String, float[]> expAvgSq,
            Map<String, long[]> hook,
            Map<String, float[]> hookValues) {}

    static State read(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            if (!FORMAT.equals(f.metadata().get("format"))) {
                throw new IllegalArgumentException(file + " is not a peft4j trainer state (" + FORMAT + ")");
            }
            Map<String, float[]> master = new LinkedHashMap<>();
            Map<String, float[]> m = new LinkedHashMap<>();
            Map<String, float[]> v = new LinkedHashMap<>();
            Map<String, long[]> hookShapes = new LinkedHashMap<>();
            Map<String, float[]> hookValues = new LinkedHashMap<>();
            for (String name : f.names()) {
                int slash = name.indexOf('/');
                String kind = name.substring(0, slash);
                String key = name.substring(slash + 1);
                float[] values = f.floats(name);
                switch (kind) {
                    case "master" -> master.put(key, values);
                    case "exp_avg" -> m.put(key, values);
                    case "exp_avg_sq" -> v.put(key, values);
                    case "hook" -> {
                        hookShapes.put(key, f.info(name).shape());
                        hookValues.put(key, values);
                    }
                    default -> {}
                }
            }
            return new State(Map.copyOf(f.metadata()), master, m, v, hookShapes, hookValues);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
