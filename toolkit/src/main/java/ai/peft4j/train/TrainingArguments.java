package ai.peft4j.train;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The settings of a training run, fixed when the trainer is built: transformers' {@code
 * TrainingArguments}, with its field names in camelCase and its defaults. {@link
 * PeftTrainer#builder} fills them in; a builder changed afterwards does not change a trainer it
 * built.
 *
 * <pre>{@code
 * var trainer = PeftTrainer.builder(peft).trainData(data).learningRate(2e-4).epochs(1).build();
 * trainer.args().learningRate();     // 2e-4
 * TrainingArguments args = TrainingArguments.builder().learningRate(2e-4).batchSize(16).build();
 * var again = PeftTrainer.builder(peft).trainData(data).args(args).build();
 * }</pre>
 *
 * @param outputDir where {@code checkpoint-<step>/} folders go ({@code output_dir}; null: none)
 * @param numTrainEpochs passes over the training data, unless {@code maxSteps} is set
 * @param maxSteps optimizer steps to run; overrides {@code numTrainEpochs} when positive
 * @param perDeviceTrainBatchSize examples per micro-batch
 * @param perDeviceEvalBatchSize examples per evaluation batch
 * @param gradientAccumulationSteps micro-batches per optimizer step
 * @param learningRate the peak learning rate
 * @param weightDecay AdamW's decoupled weight decay (biases and LayerNorm weights are exempt)
 * @param adamBeta1 AdamW's first beta
 * @param adamBeta2 AdamW's second beta
 * @param adamEpsilon AdamW's epsilon
 * @param maxGradNorm clip the global gradient norm to this; 0 or less turns clipping off
 * @param lrSchedulerType the learning-rate schedule
 * @param warmupRatio warm-up as a fraction of the total steps, when {@code warmupSteps} is 0
 * @param warmupSteps steps of linear warm-up; overrides {@code warmupRatio} when positive
 * @param evalSteps evaluate every this many steps (0: never)
 * @param saveSteps write a checkpoint every this many steps (0: never); needs {@code outputDir}
 * @param seed seeds the data order and dropout
 * @param shuffle shuffle the training data every epoch (peft4j; transformers always does)
 * @param device the device to train on (peft4j; null: GPU 0 if there is one, else the CPU)
 * @param halfPrecisionBase on a GPU, hold the frozen base weights in FP16 (peft4j)
 * @param fp16 transformers' {@code fp16}: mixed precision on a GPU, the frozen base weights in FP16
 *     ({@code halfPrecisionBase}), the trainable ones and AdamW's state in FP32, and dynamic loss
 *     scaling ({@link GradScaler}) that skips a step whose gradients overflow. Refused on the CPU, as
 *     transformers 4.39 refuses it. Unlike transformers (whose autocast leaves the loaded weights as
 *     they are), building the trainer converts the model's frozen base to FP16 in place, for good:
 *     after training it stays FP16 (merging or saving the base then gives FP16 values)
 * @param progressBar show progress: a bar on {@code System.err}, or a notebook's live chart (transformers' {@code
 *     disable_tqdm}, inverted)
 * @param gradientCheckpointing recompute each layer in backward instead of keeping its activations ({@code
 *     gradient_checkpointing}): far less memory for about one more forward pass; see {@code
 *     PreTrainedModel.gradientCheckpointing}
 */
public record TrainingArguments(
        Path outputDir,
        int numTrainEpochs,
        long maxSteps,
        int perDeviceTrainBatchSize,
        int perDeviceEvalBatchSize,
        int gradientAccumulationSteps,
        double learningRate,
        double weightDecay,
        double adamBeta1,
        double adamBeta2,
        double adamEpsilon,
        double maxGradNorm,
        LrSchedule.Type lrSchedulerType,
        double warmupRatio,
        int warmupSteps,
        int evalSteps,
        int saveSteps,
        long seed,
        boolean shuffle,
        Device device,
        boolean halfPrecisionBase,
        boolean fp16,
        boolean progressBar,
        boolean gradientCheckpointing) {

    /** Checks what no run could use. */
    public TrainingArguments {
        positive(numTrainEpochs, "epochs");
        positive(perDeviceTrainBatchSize, "batch size");
        positive(perDeviceEvalBatchSize, "eval batch size");
        positive(gradientAccumulationSteps, "gradient accumulation steps");
        Objects.requireNonNull(lrSchedulerType, "lrSchedulerType");
        if (warmupSteps < 0 || evalSteps < 0 || saveSteps < 0) {
            throw new IllegalArgumentException("warmupSteps, evalSteps and saveSteps must be >= 0, got " + warmupSteps
                    + ", " + evalSteps + ", " + saveSteps);
        }
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
            throw new IllegalArgumentException("warmupRatio must be in [0, 1], got " + warmupRatio);
        }
        if (saveSteps > 0 && outputDir == null) {
            throw new IllegalStateException("saveSteps needs an outputDir");
        }
        if (fp16 && device != null && !device.isGpu()) {
            throw new IllegalArgumentException(fp16OnCpu(device));
        }
    }

    /** Why fp16 cannot run on {@code device}, and what to do instead. */
    static String fp16OnCpu(Device device) {
        return "Tried to use `fp16` but it is not supported on " + device.getDeviceType()
                + " (as transformers 4.39 says): fp16 needs a CUDA GPU. On a GPU machine build peft4j with -Dcuda"
                + " (README, \"On a GPU machine\") and leave the device to the automatic choice or set a GPU;"
                + " on the CPU train without fp16(true)";
    }

    /** transformers' defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The optimizer steps of a run over {@code data}: {@link #maxSteps}, or the epochs' worth. */
    public long totalSteps(TextDataset data) {
        return maxSteps > 0
                ? maxSteps
                : (long) Math.ceil((double) numTrainEpochs
                        * data.batchesPerEpoch(perDeviceTrainBatchSize)
                        / gradientAccumulationSteps);
    }

    /** Warm-up steps for a run of {@code totalSteps}, as transformers' {@code get_warmup_steps}. */
    public int warmupSteps(long totalSteps) {
        return warmupSteps > 0 ? warmupSteps : (int) Math.ceil(warmupRatio * totalSteps);
    }

    /** {@code n}, once checked: a builder fails at the setter that was given a bad value. */
    private static int positive(int n, String what) {
        if (n <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + n);
        }
        return n;
    }

    /** Builds {@link TrainingArguments} on their own. */
    public static final class Builder extends Setters<Builder> {
        private Builder() {}

        /** The arguments as set so far. */
        public TrainingArguments build() {
            return arguments();
        }
    }

    /**
     * The setters of every argument, shared by {@link TrainingArguments.Builder} and {@link
     * TrainerBuilder}; each returns the builder it was called on.
     *
     * @param <B> the builder's own type
     */
    public abstract static class Setters<B extends Setters<B>> {
        private Path outputDir;
        private int numTrainEpochs = 3;
        private long maxSteps = -1;
        private int batchSize = 8;
        private int evalBatchSize = 8;
        private int accumulation = 1;
        private double learningRate = 5e-5;
        private double weightDecay = 0.0;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double maxGradNorm = 1.0;
        private LrSchedule.Type scheduleType = LrSchedule.Type.LINEAR;
        private double warmupRatio = 0.0;
        private int warmupSteps = 0;
        private int evalSteps = 0;
        private int saveSteps = 0;
        private long seed = 42;
        private boolean shuffle = true;
        private Device device;
        private boolean halfPrecisionBase;
        private boolean fp16;
        private boolean progressBar = true;
        private boolean gradientCheckpointing;

        Setters() {}

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** A snapshot of the settings: later calls on this builder do not change it. */
        protected TrainingArguments arguments() {
            return new TrainingArguments(
                    outputDir,
                    numTrainEpochs,
                    maxSteps,
                    batchSize,
                    evalBatchSize,
                    accumulation,
                    learningRate,
                    weightDecay,
                    beta1,
                    beta2,
                    eps,
                    maxGradNorm,
                    scheduleType,
                    warmupRatio,
                    warmupSteps,
                    evalSteps,
                    saveSteps,
                    seed,
                    shuffle,
                    device,
                    halfPrecisionBase,
                    fp16,
                    progressBar,
                    gradientCheckpointing);
        }

        /** Takes every setting from {@code args}. */
        public B args(TrainingArguments args) {
            outputDir = args.outputDir();
            numTrainEpochs = args.numTrainEpochs();
            maxSteps = args.maxSteps();
            batchSize = args.perDeviceTrainBatchSize();
            evalBatchSize = args.perDeviceEvalBatchSize();
            accumulation = args.gradientAccumulationSteps();
            learningRate = args.learningRate();
            weightDecay = args.weightDecay();
            beta1 = args.adamBeta1();
            beta2 = args.adamBeta2();
            eps = args.adamEpsilon();
            maxGradNorm = args.maxGradNorm();
            scheduleType = args.lrSchedulerType();
            warmupRatio = args.warmupRatio();
            warmupSteps = args.warmupSteps();
            evalSteps = args.evalSteps();
            saveSteps = args.saveSteps();
            seed = args.seed();
            shuffle = args.shuffle();
            device = args.device();
            halfPrecisionBase = args.halfPrecisionBase();
            fp16 = args.fp16();
            progressBar = args.progressBar();
            gradientCheckpointing = args.gradientCheckpointing();
            return self();
        }

        /** The peak learning rate (default 5e-5). */
        public B learningRate(double lr) {
            this.learningRate = lr;
            return self();
        }

        /** AdamW's betas (default 0.9, 0.999). */
        public B betas(double b1, double b2) {
            this.beta1 = b1;
            this.beta2 = b2;
            return self();
        }

        /** AdamW's epsilon (default 1e-8, as transformers). */
        public B eps(double eps) {
            this.eps = eps;
            return self();
        }

        /** Decoupled weight decay (default 0); biases and LayerNorm weights are exempt. */
        public B weightDecay(double wd) {
            this.weightDecay = wd;
            return self();
        }

        /** The schedule (default {@code LINEAR}). */
        public B schedule(LrSchedule.Type type) {
            this.scheduleType = Objects.requireNonNull(type);
            return self();
        }

        /** Warm-up steps (default 0); overrides {@link #warmupRatio} when positive. */
        public B warmupSteps(int steps) {
            this.warmupSteps = steps;
            return self();
        }

        /** Warm-up as a fraction of the total steps (default 0). */
        public B warmupRatio(double ratio) {
            this.warmupRatio = ratio;
            return self();
        }

        /** Examples per micro-batch (default 8). */
        public B batchSize(int n) {
            this.batchSize = positive(n, "batch size");
            return self();
        }

        /** Examples per evaluation batch (default 8). */
        public B evalBatchSize(int n) {
            this.evalBatchSize = positive(n, "eval batch size");
            return self();
        }

        /** Micro-batches per optimizer step (default 1). */
        public B gradientAccumulationSteps(int n) {
            this.accumulation = positive(n, "gradient accumulation steps");
            return self();
        }

        /** Clip the global gradient norm to this (default 1.0; 0 or less turns clipping off). */
        public B maxGradNorm(double norm) {
            this.maxGradNorm = norm;
            return self();
        }

        /** Stop after this many optimizer steps; overrides {@link #epochs}. */
        public B maxSteps(long steps) {
            this.maxSteps = steps;
            return self();
        }

        /** Passes over the training data (default 3). */
        public B epochs(int n) {
            this.numTrainEpochs = positive(n, "epochs");
            return self();
        }

        /** Evaluate every this many steps (default 0: never). */
        public B evalSteps(int n) {
            this.evalSteps = n;
            return self();
        }

        /** Write a checkpoint every this many steps (default 0: never); needs {@link #outputDir}. */
        public B saveSteps(int n) {
            this.saveSteps = n;
            return self();
        }

        /** Where {@code checkpoint-<step>/} directories go. */
        public B outputDir(Path dir) {
            this.outputDir = dir;
            return self();
        }

        /** Seeds the data order and dropout (default 42). */
        public B seed(long seed) {
            this.seed = seed;
            return self();
        }

        /** Shuffle the training data every epoch (default true). */
        public B shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return self();
        }

        /** Train on this device instead of the automatic choice (GPU 0 if any, else CPU). */
        public B device(Device device) {
            this.device = device;
            return self();
        }

        /** On a GPU, hold the frozen base weights in FP16 (adapters and optimizer stay FP32). */
        public B halfPrecisionBase(boolean half) {
            this.halfPrecisionBase = half;
            return self();
        }

        /**
         * transformers' {@code fp16} (default false): on a GPU, the frozen base weights in FP16, the
         * adapter's weights and AdamW's state in FP32, and a {@link GradScaler} (init scale 65536,
         * growth 2 every 2000 good steps, backoff 0.5) that skips a step whose gradients hold an inf
         * or NaN ({@link StepRecord#skipped()}). On the CPU, building the trainer fails.
         *
         * <p>Unlike transformers, whose autocast leaves the model's weights as loaded, building the
         * trainer converts the frozen base weights to FP16 in place and does not convert them back:
         * after training the model holds an FP16 base (the adapter stays FP32). Load the base again
         * for FP32 work after training.
         */
        public B fp16(boolean fp16) {
            this.fp16 = fp16;
            return self();
        }

        /**
         * Show progress (default true): a progress bar on {@code System.err} in a terminal or JShell, the live
         * loss chart in a notebook ({@link TrainingProgress}).
         */
        public B progressBar(boolean show) {
            this.progressBar = show;
            return self();
        }

        /**
         * Gradient checkpointing (transformers' {@code gradient_checkpointing}, default false): the trainer turns it on
         * in the model and recomputes each layer in backward, so a step holds one layer's activations instead of all
         * of them; the same gradients, for about a third more step time.
         */
        public B gradientCheckpointing(boolean enable) {
            this.gradientCheckpointing = enable;
            return self();
        }
    }
}
