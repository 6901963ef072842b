package ai.peft4j.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.peft4j.PeftModel;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.nn.IntraOpThreads;
import ai.peft4j.tuners.TrainingHooks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Trains the adapter of a {@link PeftModel}, like transformers' {@code Trainer}: AdamW with
 * PyTorch's defaults, a learning-rate schedule, gradient accumulation, clipping by global norm,
 * periodic evaluation and checkpoints, on the GPU when there is one.
 *
 * <pre>{@code
 * Initialization.manualSeed(42);
 * var peft = Peft.lora().r(8).alpha(16).targets("q_proj", "v_proj").task(TaskType.CAUSAL_LM)
 *     .apply(OptForCausalLM.fromPretrained(Path.of("opt-125m")));
 * var tok = TextTokenizer.fromFile(Path.of("opt-125m/tokenizer.json"), 1);
 * var data = TextDataset.causalLm(texts, tok, 128);
 *
 * var trainer = PeftTrainer.builder(peft).trainData(data).learningRate(2e-4).batchSize(8)
 *     .epochs(1).schedule(LrSchedule.Type.COSINE).warmupSteps(10).build();
 * trainer.train();
 * trainer.records();                 // one StepRecord per step: loss, lr, eval loss, tokens/s
 * TrainingHistory.of(trainer);       // the same as a Tablesaw table (ai.peft4j.display)
 * LossCurves.svg(trainer);           // the loss curve (ai.peft4j.display)
 * peft.savePretrained(Path.of("my-adapter"));
 * }</pre>
 *
 * <p>The settings are fixed when the trainer is built ({@link #args()}). The loss is the model's
 * own ({@link PeftModel#loss}) unless the builder is given one. Each optimizer step runs in its own
 * {@link NDManager}, so nothing of a step outlives it; only trainable parameters get optimizer
 * state. Interrupting the training thread (or calling {@link #requestStop()} from another thread)
 * stops after the current step and leaves the adapter usable; the interrupt is consumed and
 * reported in {@link TrainResult#interrupted()}, so the notebook thread can go on to save the
 * adapter.
 *
 * <p>With {@code fp16} (or {@code halfPrecisionBase}) the constructor converts the model's frozen
 * base weights to FP16 in place, and they stay FP16 after training, where transformers' {@code
 * fp16} leaves the weights as loaded; the adapter's weights stay FP32.
 *
 * <p>Training uses DJL's global gradient collector: run one trainer at a time, on one thread.
 */
public final class PeftTrainer implements AutoCloseable {

    private final PeftModel model;
    private final TrainingArguments args;
    private final TextDataset evalData;
    private final Device device;
    private final NDManager root;
    private final Map<String, Parameter> params;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final long totalSteps;
    private final TrainingSteps steps;
    private final MixedPrecision precision;
    private final List<TrainingListener> listeners = new CopyOnWriteArrayList<>();
    private final List<StepRecord> history = new ArrayList<>();
    private long globalStep;
    private volatile boolean stopRequested;

    PeftTrainer(TrainerBuilder b) {
        if (b.trainData == null) {
            throw new IllegalStateException("no training data: call trainData(...)");
        }
        this.model = b.model;
        this.args = withCheckpointing(model, b.arguments());
        this.evalData = b.evalData;
        if (model.adapterHost() instanceof TrainingHooks hooks) {
            hooks.beforeTraining(args.totalSteps(b.trainData)); // e.g. AdaLoRA needs total_step: fail before any step
        }
        this.device = DevicePlacement.choose(args.device());
        if (!device.isGpu()) {
            IntraOpThreads.configure(); // on 2 to 4 busy cores, one thread can beat two severalfold (bench/README.md)
        }
        if (args.fp16() && !device.isGpu() && !b.fp16OnCpu) {
            throw new IllegalStateException(TrainingArguments.fp16OnCpu(device));
        }
        // fp16 holds the frozen base in FP16; the unit tests' CPU fp16 does too (fp16OnCpu).
        DevicePlacement.placeAnyDevice(
                model, device, (args.halfPrecisionBase() || args.fp16()) && (device.isGpu() || b.fp16OnCpu));
        this.params = model.trainableParameters();
        if (params.isEmpty()) {
            throw new IllegalStateException("the model has no trainable parameter");
        }
        this.root = NDManager.newBaseManager(device);
        this.root.setName("PeftTrainer");
        this.optimizer = Optimization.adamW(args, model, params, root);
        this.totalSteps = args.totalSteps(b.trainData);
        this.schedule = Optimization.schedule(args, totalSteps);
        LossFunction loss = b.lossFunction != null
                ? b.lossFunction
                : (ps, batch, training) ->
                        model.loss(ps, batch.inputIds(), batch.attentionMask(), batch.labels(), training);
        this.precision = MixedPrecision.of(args);
        this.steps = new TrainingSteps(args, b.trainData, loss, params, optimizer, schedule, root, precision);
        if (model.adapterHost() instanceof TrainingHooks hooks) {
            steps.hooks(hooks); // e.g. AdaLoRA's update_and_allocate after each optimizer step
        }
        if (args.progressBar()) {
            listeners.add(TrainingProgress.create()); // a terminal bar, or a notebook's live chart
        }
        listeners.addAll(b.listeners);
    }

    /** A builder for training {@code model}'s active adapter. */
    public static TrainerBuilder builder(PeftModel model) {
        return new TrainerBuilder(model);
    }

    // ---------------------------------------------------------------- accessors

    /** The settings of this run, as built. */
    public TrainingArguments args() {
        return args;
    }

    /** The device training runs on. */
    public Device device() {
        return device;
    }

    /** Optimizer steps done so far (including those restored by {@link #resume}). */
    public long globalStep() {
        return globalStep;
    }

    /** The step count this run aims for. */
    public long totalSteps() {
        return totalSteps;
    }

    /** The schedule in use. */
    public LrSchedule schedule() {
        return schedule;
    }

    /** The optimizer (state of the trainable parameters only). */
    public AdamW optimizer() {
        return optimizer;
    }

    /** The loss scaler of {@code fp16} training ({@link TrainingArguments#fp16()}), or null without it. */
    public GradScaler gradScaler() {
        return precision.scaler();
    }

    /** Optimizer updates skipped so far because a gradient overflowed (only with {@code fp16}). */
    public long skippedSteps() {
        return precision.skippedSteps();
    }

    /** The parameters that train, by in-memory key. */
    public Map<String, Parameter> trainableParameters() {
        return params;
    }

    /** Adds a listener (e.g. a notebook display). */
    public PeftTrainer addListener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener));
        return this;
    }

    /** Asks a running {@link #train()} to stop after its current step (any thread). */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * The logged steps, oldest first (a copy): transformers' {@code state.log_history}. {@code
     * ai.peft4j.display.TrainingHistory} shows them as a table, {@code LossCurves} as a chart.
     */
    public List<StepRecord> records() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    // ---------------------------------------------------------------- training

    /**
     * Trains until {@link #totalSteps()} optimizer steps are done (continuing from {@link
     * #globalStep()}), or until interrupted.
     */
    public TrainResult train() {
        long start = System.nanoTime();
        stopRequested = false;
        boolean interrupted = false;
        double lossSum = 0;
        int done = 0;
        notify(l -> l.onTrainBegin(this, totalSteps));
        try {
            while (globalStep < totalSteps) {
                if (stopRequested || Thread.interrupted()) {
                    interrupted = true;
                    break;
                }
                StepRecord r = steps.step(globalStep);
                globalStep = r.step();
                lossSum += r.loss();
                done++;
                // An interrupt during the step is honoured now; it is consumed so that saving still works.
                if (Thread.interrupted()) {
                    stopRequested = true;
                }
                if (evalData != null && args.evalSteps() > 0 && globalStep % args.evalSteps() == 0) {
                    double ev = evaluate();
                    r = r.withEvalLoss(ev);
                    long s = globalStep;
                    notify(l -> l.onEvaluate(s, ev));
                }
                synchronized (history) {
                    history.add(r);
                }
                if (args.outputDir() != null && args.saveSteps() > 0 && globalStep % args.saveSteps() == 0) {
                    Path dir = saveCheckpoint();
                    long s = globalStep;
                    notify(l -> l.onCheckpoint(s, dir));
                }
                StepRecord logged = r;
                notify(l -> l.onStep(logged));
            }
        } catch (RuntimeException e) {
            notify(l -> l.onTrainFailed(e));
            throw e;
        }
        TrainResult result = new TrainResult(
                globalStep,
                done == 0 ? Double.NaN : lossSum / done,
                interrupted || stopRequested && globalStep < totalSteps,
                (System.nanoTime() - start) / 1e9);
        notify(l -> l.onTrainEnd(result));
        return result;
    }

    private void notify(Consumer<TrainingListener> call) {
        for (TrainingListener l : listeners) {
            call.accept(l);
        }
    }

    /** The mean loss over the evaluation data, without gradients and with dropout off. */
    public double evaluate() {
        if (evalData == null) {
            throw new IllegalStateException("no evaluation data: call evalData(...)");
        }
        return steps.evaluate(evalData);
    }

    // ---------------------------------------------------------------- checkpoints

    /**
     * Writes {@code outputDir/checkpoint-<step>/}: the adapter in PEFT's format ({@link
     * PeftModel#savePretrained}) and {@link TrainerCheckpoint#FILE}, as one step: a process killed
     * while saving over a checkpoint leaves the old one or the new one.
     */
    public Path saveCheckpoint() {
        if (args.outputDir() == null) {
            throw new IllegalStateException("no output directory: call outputDir(...)");
        }
        return TrainerCheckpoint.save(
                args.outputDir(), globalStep, args, schedule, model, params, optimizer, precision);
    }

    /**
     * Restores a checkpoint written by {@link #saveCheckpoint()}: the trainable weights, AdamW's
     * moments, the step, the adapter method's own training state (AdaLoRA's sensitivity EMAs and live {@code
     * rank_pattern}), and with {@code fp16} the loss scaler's scale and growth count, so that {@link #train()} continues the same trajectory (same data order,
     * learning rates and dropout draws). The model must carry the same adapter (same config).
     */
    public PeftTrainer resume(Path checkpointDir) {
        globalStep = TrainerCheckpoint.restore(checkpointDir, model, args, params, optimizer, precision, root);
        return this;
    }

    /** The trainer's own manager (optimizer state, per-step sub-managers); for leak checks. */
    NDManager manager() {
        return root;
    }

    /** Frees the optimizer state and per-trainer arrays (not the model). */
    @Override
    public void close() {
        optimizer.close();
        root.close();
    }

    /**
     * transformers' Trainer: {@code gradient_checkpointing} turns it on in the model; a model that has it on already
     * trains with it, and the arguments say so.
     */
    private static TrainingArguments withCheckpointing(PeftModel model, TrainingArguments args) {
        if (!(model.getBaseModel() instanceof PreTrainedModel base)) {
            if (args.gradientCheckpointing()) {
                throw new UnsupportedOperationException("gradient checkpointing needs a PreTrainedModel, not a "
                        + model.getBaseModel().getClass().getSimpleName());
            }
            return args;
        }
        if (args.gradientCheckpointing()) {
            base.gradientCheckpointing(true); // throws for a model that cannot
            return args;
        }
        return base.isGradientCheckpointing()
                ? TrainingArguments.builder()
                        .args(args)
                        .gradientCheckpointing(true)
                        .build()
                : args;
    }
}
