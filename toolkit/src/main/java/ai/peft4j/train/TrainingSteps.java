package ai.peft4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.peft4j.models.GradientCheckpointing;
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.Scalars;
import ai.peft4j.tuners.TrainingHooks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One optimizer step and one evaluation pass, for {@link PeftTrainer}: transformers' {@code
 * training_step} over {@code gradientAccumulationSteps} micro-batches, then clipping, the schedule's
 * learning rate and AdamW; and {@code evaluate}'s mean loss. Every step runs in its own sub-manager
 * of {@code root}, so nothing of a step outlives it.
 */
final class TrainingSteps {

    private final TrainingArguments args;
    private final TextDataset trainData;
    private final LossFunction lossFunction;
    private final Map<String, Parameter> params;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final NDManager root;
    private final MixedPrecision precision;
    private int cachedEpoch = -1;
    private List<int[]> cachedOrder;
    private TrainingHooks hooks = new TrainingHooks() {};

    TrainingSteps(
            TrainingArguments args,
            TextDataset trainData,
            LossFunction lossFunction,
            Map<String, Parameter> params,
            AdamW optimizer,
            LrSchedule schedule,
            NDManager root,
            MixedPrecision precision) {
        this.args = args;
        this.trainData = trainData;
        this.lossFunction = lossFunction;
        this.params = params;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.root = root;
        this.precision = precision;
    }

    /** The method's work after each optimizer step, before the gradients are zeroed (AdaLoRA's rank allocation). */
    void hooks(TrainingHooks hooks) {
        this.hooks = hooks;
    }

    /** The examples of micro-batch {@code index} of the run: each epoch has its own seeded order. */
    private int[] microBatch(long index) {
        int perEpoch = trainData.batchesPerEpoch(args.perDeviceTrainBatchSize());
        int epoch = Math.toIntExact(index / perEpoch);
        if (epoch != cachedEpoch) {
            cachedOrder = trainData.batchOrder(args.perDeviceTrainBatchSize(), args.shuffle(), args.seed(), epoch);
            cachedEpoch = epoch;
        }
        return cachedOrder.get(Math.toIntExact(index % perEpoch));
    }

    /** Optimizer step {@code globalStep} (0-based); its record carries the step count after it. */
    StepRecord step(long globalStep) {
        long t0 = System.nanoTime();
        Engine engine = Engine.getInstance();
        int accumulation = args.gradientAccumulationSteps();
        Map<String, NDArray> grads = new LinkedHashMap<>();
        try (NDManager step = root.newSubManager()) {
            try {
                double lossSum = 0;
                long tokens = 0;
                for (int micro = 0; micro < accumulation; micro++) {
                    long index = globalStep * accumulation + micro;
                    TextDataset.Batch batch = trainData.collate(microBatch(index), step);
                    // Dropout draws from the engine's generator: reseeding per micro-batch makes a resumed
                    // run draw exactly what an uninterrupted one would.
                    engine.setRandomSeed((int) (args.seed() + index));
                    try (GradientCollector gc = engine.newGradientCollector();
                            GradientCheckpointing checkpointing = args.gradientCheckpointing()
                                    ? GradientCheckpointing.step(args.seed() + index)
                                    : GradientCheckpointing.none()) {
                        NDArray loss = lossFunction.loss(DevicePlacement.parameterStore(step), batch, true);
                        checkpointing.backward(
                                gc, precision.scale(accumulation == 1 ? loss : Scalars.div(loss, accumulation)));
                        lossSum += loss.getFloat();
                    }
                    tokens += batch.tokens();
                }
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    g.attach(step); // the wrapper is per call: free it with the step
                    grads.put(e.getKey(), g);
                }
                boolean skipped = precision.unscale(grads, step); // fp16: unscale before clipping
                double norm = Optimization.clipByGlobalNorm(grads, args.maxGradNorm(), step);
                double lr = schedule.lr(precision.scheduleStep(globalStep));
                if (!skipped) {
                    optimizer.step(params, grads, lr, step);
                }
                // every step, as PEFT's loop: an overflowed step's gradients are no information, its step count is
                hooks.afterOptimizerStep(globalStep, !skipped);
                precision.update(skipped);
                long done = globalStep + 1;
                double seconds = (System.nanoTime() - t0) / 1e9;
                double epoch = (double) done * accumulation / trainData.batchesPerEpoch(args.perDeviceTrainBatchSize());
                return new StepRecord(
                        done,
                        epoch,
                        lossSum / accumulation,
                        lr,
                        norm,
                        tokens / Math.max(seconds, 1e-9),
                        Double.NaN,
                        skipped);
            } finally {
                Optimization.zeroGradients(params, step);
            }
        }
    }

    /** The mean loss over {@code data}, without gradients and with dropout off. */
    double evaluate(TextDataset data) {
        double sum = 0;
        int n = 0;
        try (GradMode.Scope noGrad = GradMode.off()) {
            for (int[] idx : data.batchOrder(args.perDeviceEvalBatchSize(), false, 0, 0)) {
                try (NDManager step = root.newSubManager()) {
                    TextDataset.Batch batch = data.collate(idx, step);
                    sum += lossFunction
                            .loss(DevicePlacement.parameterStore(step), batch, false)
                            .getFloat();
                    n++;
                }
            }
        }
        return sum / n;
    }
}
