package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * The mechanics every multi-head attention here shares, as transformers writes them in each model: splitting a
 * projection into heads, merging them back, and prepending the cached keys and values. How scores are scaled, biased,
 * masked and normalised differs by architecture and stays in each attention class.
 */
public final class Attention {

    private Attention() {}

    /** {@code (B, T, H * hd) -> (B, H, T, hd)}: a projection viewed as {@code heads} heads of {@code headDim}. */
    public static NDArray splitHeads(NDArray x, int heads, int headDim) {
        return x.reshape(x.getShape().get(0), -1, heads, headDim).transpose(0, 2, 1, 3);
    }

    /** {@code (B, H, T, hd) -> (B, T, H * hd)}: the heads' outputs side by side again. */
    public static NDArray mergeHeads(NDArray x) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(2);
        return x.transpose(0, 2, 1, 3).reshape(b, t, -1);
    }

    /**
     * {@code scores + mask}, the additive mask (0 or the float minimum) applied to attention scores. transformers 4.39
     * then clamped the sum at the float minimum; that changes nothing for finite scores (adding the minimum to a score
     * of magnitude below 1e31 rounds back to the minimum, never to -inf), while the clamp and its backward cost six
     * passes over the {@code (B, H, T, S)} scores per layer, so it is left out, as transformers 4.57 does.
     */
    public static NDArray addMask(NDArray scores, NDArray mask) {
        return scores.add(mask);
    }

    /**
     * transformers' cache update: {@code past} keys and values {@code (B, H, P, hd)}, when given, go before this
     * step's {@code (B, H, T, hd)}; the result, {@code (key, value)} over {@code S = P + T} positions, is what the
     * layer attends to and, when {@code present} is not null, is added to it for the next step.
     */
    public static NDList appendPast(NDArray key, NDArray value, NDList past, NDList present) {
        if (past != null && present instanceof CacheSlot slot && slot.append(key, value)) {
            return new NDList(slot.get(0), slot.get(1)); // written in place into generate's preallocated cache
        }
        NDList kv = past == null
                ? new NDList(key, value)
                : new NDList(past.get(0).concat(key, 2), past.get(1).concat(value, 2));
        if (present != null) {
            present.addAll(kv);
        }
        return kv;
    }
}
