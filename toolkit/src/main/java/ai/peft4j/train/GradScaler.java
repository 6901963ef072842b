package ai.peft4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.Scalars;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dynamic loss scaling for FP16 training, as PyTorch's {@code torch.cuda.amp.GradScaler} (which
 * transformers' {@code Trainer} uses when {@code fp16=True}): the loss is multiplied by {@link
 * #getScale()} before backward so that small FP16 gradients do not underflow; the gradients are
 * divided by it again ({@link #unscale}) before clipping; a step whose gradients hold an inf or NaN
 * is skipped and the scale halves; after {@code growthInterval} good steps in a row it doubles.
 *
 * <pre>{@code
 * var scaler = new GradScaler();                 // init_scale 65536, growth 2, backoff 0.5, interval 2000
 * gc.backward(scaler.scale(loss));               // scaled loss
 * boolean overflow = scaler.unscale(grads.values(), step);
 * if (!overflow) optimizer.step(params, grads, lr, step);   // a skipped step leaves the weights alone
 * scaler.update(overflow);                       // back off, or count towards growth
 * }</pre>
 *
 * <p>The scale is held as a float, as PyTorch holds it in an FP32 tensor, so the sequence of scales
 * is PyTorch's exactly. {@link #stateDict()} has the keys of PyTorch's {@code state_dict()} (saved
 * by transformers as {@code scaler.pt}); {@link PeftTrainer} checkpoints keep it.
 */
public final class GradScaler {

    /** PyTorch's default {@code init_scale}, 2¹⁶. */
    public static final float DEFAULT_INIT_SCALE = 65536f;
    /** PyTorch's default {@code growth_factor}. */
    public static final float DEFAULT_GROWTH_FACTOR = 2f;
    /** PyTorch's default {@code backoff_factor}. */
    public static final float DEFAULT_BACKOFF_FACTOR = 0.5f;
    /** PyTorch's default {@code growth_interval}. */
    public static final int DEFAULT_GROWTH_INTERVAL = 2000;

    private final float growthFactor;
    private final float backoffFactor;
    private final int growthInterval;
    private float scale;
    private int growthTracker;

    /** PyTorch's defaults. */
    public GradScaler() {
        this(DEFAULT_INIT_SCALE, DEFAULT_GROWTH_FACTOR, DEFAULT_BACKOFF_FACTOR, DEFAULT_GROWTH_INTERVAL);
    }

    /** As {@code GradScaler(init_scale, growth_factor, backoff_factor, growth_interval)}. */
    public GradScaler(float initScale, float growthFactor, float backoffFactor, int growthInterval) {
        if (!(initScale > 0) || Float.isInfinite(initScale)) {
            throw new IllegalArgumentException("init_scale must be a positive finite number, got " + initScale);
        }
        if (!(growthFactor > 1)) {
            throw new IllegalArgumentException("The growth factor must be > 1.0, got " + growthFactor);
        }
        if (!(backoffFactor < 1 && backoffFactor > 0)) {
            throw new IllegalArgumentException("The backoff factor must be < 1.0 and > 0, got " + backoffFactor);
        }
        if (growthInterval <= 0) {
            throw new IllegalArgumentException("growth_interval must be a positive integer, got " + growthInterval);
        }
        this.scale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    /** The current scale ({@code get_scale()}). */
    public float getScale() {
        return scale;
    }

    /** Good steps in a row since the scale last changed ({@code _growth_tracker}). */
    public int growthTracker() {
        return growthTracker;
    }

    /** {@code growth_factor}. */
    public float growthFactor() {
        return growthFactor;
    }

    /** {@code backoff_factor}. */
    public float backoffFactor() {
        return backoffFactor;
    }

    /** {@code growth_interval}. */
    public int growthInterval() {
        return growthInterval;
    }

    /**
     * {@code loss × scale}, in FP32 whatever the loss's dtype (an FP16 loss times 2¹⁶ would overflow),
     * recorded for backward.
     */
    public NDArray scale(NDArray loss) {
        NDArray l = loss.getDataType() == DataType.FLOAT32 ? loss : loss.toType(DataType.FLOAT32, false);
        return Scalars.mul(l, scale);
    }

    /**
     * Divides every gradient by the scale, in place, and says whether any of them holds an inf or a
     * NaN ({@code unscale_} with PyTorch's {@code _amp_foreach_non_finite_check_and_unscale_}): the
     * multiplier is the FP32 reciprocal of the scale, and one flag for all gradients is read back.
     *
     * @param grads FP32 gradient buffers (the trainable weights are FP32)
     * @param scope where temporaries go; the caller closes it
     * @return true when the step must be skipped
     */
    public boolean unscale(Collection<NDArray> grads, NDManager scope) {
        float inv = (float) (1.0 / (double) scale);
        NDArray found = null;
        try (GradMode.Scope off = GradMode.off();
                NDManager local = scope.newSubManager()) {
            for (NDArray g : grads) {
                local.tempAttachAll(g);
                NDArray bad = g.isInfinite().logicalOr(g.isNaN()).any();
                found = found == null ? bad : found.logicalOr(bad);
                g.muli(inv);
            }
            return found != null && found.getBoolean();
        }
    }

    /**
     * Adjusts the scale after a step, as PyTorch's {@code _amp_update_scale_}: an overflow multiplies
     * it by the backoff factor and restarts the count; otherwise the count grows, and on reaching the
     * growth interval the scale is multiplied by the growth factor (unless that would overflow a
     * float) and the count restarts.
     */
    public void update(boolean foundInf) {
        if (foundInf) {
            scale *= backoffFactor;
            growthTracker = 0;
            return;
        }
        int successful = growthTracker + 1;
        if (successful == growthInterval) {
            float grown = scale * growthFactor;
            if (Float.isFinite(grown)) {
                scale = grown;
            }
            growthTracker = 0;
        } else {
            growthTracker = successful;
        }
    }

    /**
     * PyTorch's {@code state_dict()}: {@code scale}, {@code growth_factor}, {@code backoff_factor},
     * {@code growth_interval}, {@code _growth_tracker}.
     */
    public Map<String, Number> stateDict() {
        Map<String, Number> out = new LinkedHashMap<>();
        out.put("scale", scale);
        out.put("growth_factor", growthFactor);
        out.put("backoff_factor", backoffFactor);
        out.put("growth_interval", growthInterval);
        out.put("_growth_tracker", growthTracker);
        return out;
    }

    /** Restores {@code scale} and {@code _growth_tracker} from a {@link #stateDict()}. */
    public void loadStateDict(Map<String, ? extends Number> state) {
        Number s = state.get("scale");
        Number t = state.get("_growth_tracker");
        if (s == null || t == null) {
            throw new IllegalArgumentException(
                    "a GradScaler state needs 'scale' and '_growth_tracker', got " + state.keySet());
        }
        if (!(s.floatValue() > 0) || Float.isInfinite(s.floatValue()) || t.intValue() < 0) {
            throw new IllegalArgumentException("bad GradScaler state: scale " + s + ", _growth_tracker " + t);
        }
        this.scale = s.floatValue();
        this.growthTracker = t.intValue();
    }
}
