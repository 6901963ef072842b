package ai.peft4j.train;

/**
 * How a {@link PeftTrainer#train()} call ended.
 *
 * @param globalStep optimizer steps done in total (including those before a resume)
 * @param trainLoss the mean training loss of the steps run by this call (NaN when none ran)
 * @param interrupted true when the run stopped early on a thread interrupt or {@link
 *     PeftTrainer#requestStop()}; the adapter then holds the weights after the last full step
 * @param seconds wall-clock time of the call
 */
public record TrainResult(long globalStep, double trainLoss, boolean interrupted, double seconds) {}
