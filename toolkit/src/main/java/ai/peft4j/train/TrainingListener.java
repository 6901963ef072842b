package ai.peft4j.train;

import java.nio.file.Path;

/**
 * Callbacks from {@link PeftTrainer#train()}, on the training thread, e.g. to update a notebook
 * display in place. All methods do nothing by default.
 *
 * <pre>{@code
 * trainer.addListener(new TrainingListener() {
 *   public void onStep(StepRecord r) { display.update(String.format("step %d loss %.3f", r.step(), r.loss())); }
 * });
 * }</pre>
 */
public interface TrainingListener {

    /** Before the first step; {@code totalSteps} is the step count the run aims for. */
    default void onTrainBegin(PeftTrainer trainer, long totalSteps) {}

    /** After every optimizer step (and its evaluation, when one was due). */
    default void onStep(StepRecord record) {}

    /** After an evaluation. */
    default void onEvaluate(long step, double evalLoss) {}

    /** After a checkpoint was written. */
    default void onCheckpoint(long step, Path dir) {}

    /** When the run ends, normally or interrupted. */
    default void onTrainEnd(TrainResult result) {}

    /** When a step threw; the exception is rethrown after the listeners ran. */
    default void onTrainFailed(RuntimeException error) {}
}
