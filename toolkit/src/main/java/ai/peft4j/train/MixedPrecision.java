package ai.peft4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What transformers' {@code fp16=True} adds around an optimizer step (through accelerate): the
 * loss is scaled before backward, the gradients are unscaled before clipping, and a step with an
 * inf or NaN gradient is skipped: no AdamW update, and the learning-rate schedule does not advance
 * ({@code optimizer_step_was_skipped}), while the step count does. Without fp16 it does nothing.
 */
final class MixedPrecision {

    private final GradScaler scaler;
    private long skippedSteps;

    private MixedPrecision(GradScaler scaler) {
        this.scaler = scaler;
    }

    /** A {@link GradScaler} with PyTorch's defaults when {@code fp16} is on, else none. */
    static MixedPrecision of(TrainingArguments args) {
        return new MixedPrecision(args.fp16() ? new GradScaler() : null);
    }

    /** The scaler, or null without fp16. */
    GradScaler scaler() {
        return scaler;
    }

    /** Optimizer steps skipped so far because of inf/NaN gradients. */
    long skippedSteps() {
        return skippedSteps;
    }

    /** What backward starts from: the loss, times the scale under fp16. */
    NDArray scale(NDArray loss) {
        return scaler == null ? loss : scaler.scale(loss);
    }

    /** Unscales the gradients in place; true when this step must be skipped. */
    boolean unscale(Map<String, NDArray> grads, NDManager step) {
        return scaler != null && scaler.unscale(grads.values(), step);
    }

    /** The schedule's step for optimizer step {@code globalStep}: skipped steps did not advance it. */
    long scheduleStep(long globalStep) {
        return globalStep - skippedSteps;
    }

    /** After a step: the scaler backs off or grows, and a skipped step is counted. */
    void update(boolean skipped) {
        if (scaler != null) {
            scaler.update(skipped);
        }
        if (skipped) {
            skippedSteps++;
        }
    }

    /** Checkpoint metadata: the skipped-step count, and the scaler's state as PyTorch names it. */
    Map<String, String> metadata() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("skipped_steps", Long.toString(skippedSteps));
        if (scaler != null) {
            scaler.stateDict().forEach((k, v) -> out.put("scaler." + k, v.toString()));
        }
        return out;
    }

    /**
     * Restores what {@link #metadata()} wrote. A checkpoint from a run without fp16 leaves a fresh
     * scaler, as transformers does when a checkpoint has no {@code scaler.pt}.
     */
    void restore(Map<String, String> metadata) {
        String skipped = metadata.get("skipped_steps");
        skippedSteps = skipped == null ? 0 : Long.parseLong(skipped);
        String scale = metadata.get("scaler.scale");
        if (scaler != null && scale != null) {
            scaler.loadStateDict(Map.of(
                    "scale", Float.parseFloat(scale),
                    "_growth_tracker", Integer.parseInt(metadata.get("scaler._growth_tracker"))));
        }
    }
}
