package ai.peft4j.train;

/**
 * One optimizer step as logged in {@link PeftTrainer#records()}.
 *
 * @param step the optimizer step, 1-based (transformers' {@code global_step} after the update)
 * @param epoch fractional epoch reached
 * @param loss the mean training loss over the step's micro-batches
 * @param lr the learning rate the update used
 * @param gradNorm the global gradient norm before clipping
 * @param tokensPerSecond real (non-padding) tokens processed per second in this step
 * @param evalLoss the evaluation loss measured after this step, or NaN
 * @param skipped with {@code fp16}: the optimizer update was skipped because a gradient was inf or
 *     NaN (the gradient scaler backed off; accelerate's {@code optimizer_step_was_skipped})
 */
public record StepRecord(
        long step,
        double epoch,
        double loss,
        double lr,
        double gradNorm,
        double tokensPerSecond,
        double evalLoss,
        boolean skipped) {

    /** A step whose update was applied. */
    public StepRecord(
            long step, double epoch, double loss, double lr, double gradNorm, double tokensPerSecond, double evalLoss) {
        this(step, epoch, loss, lr, gradNorm, tokensPerSecond, evalLoss, false);
    }

    /** This record with an evaluation loss. */
    public StepRecord withEvalLoss(double value) {
        return new StepRecord(step, epoch, loss, lr, gradNorm, tokensPerSecond, value, skipped);
    }
}
