package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** transformers' 4-D attention mask for decoder-only models. */
public final class CausalMask {

    private CausalMask() {}

    /**
     * The attention mask of {@code in} for {@code t} new tokens after {@code in.pastLength()} past ones: all ones
     * when none is given; an error naming both lengths when it does not cover past + new positions.
     */
    public static NDArray attentionMaskOf(LmInputs in, long batch, long t) {
        long past = in.pastLength();
        NDArray mask = in.attentionMask();
        NDArray any = in.any();
        if (mask == null) {
            return any.getManager().ones(new Shape(batch, past + t), DataType.INT64, any.getDevice());
        }
        if (mask.getShape().get(1) != past + t) {
            throw new IllegalArgumentException(
                    "The provided attention mask has length " + mask.getShape().get(1) + ", but its length should be "
                            + (past + t) + " (sum of the lengths of current and past inputs)");
        }
        return mask;
    }

    /**
     * The position ids of {@code in}'s {@code t} new tokens: {@link LmInputs#positionIds()} when given, else
     * transformers' default for models that take position ids, {@code P, ..., P + t - 1} after {@code P} past
     * positions as {@code (1, t)}, whatever the attention mask says (its forward counts no padding; only its generate
     * does, see {@link #positions}).
     *
     * @throws IllegalArgumentException when the given ids are not {@code (B, t)} or {@code (1, t)}
     */
    public static NDArray positionIds(LmInputs in, long batch, long t) {
        NDArray given = in.positionIds();
        if (given == null) {
            long past = in.pastLength();
            NDArray any = in.any();
            return any.getManager()
                    .arange(past, past + t, 1, DataType.INT64, any.getDevice())
                    .reshape(1, t);
        }
        Shape s = given.getShape();
        if (s.dimension() != 2 || s.get(1) != t || (s.get(0) != batch && s.get(0) != 1)) {
            throw new IllegalArgumentException("position_ids have shape " + s + ", but the inputs need (" + batch + ", "
                    + t + ") or (1, " + t + "): one position per input token");
        }
        return given.toType(DataType.INT64, false);
    }

    /**
     * Position ids for the last {@code t} of the positions covered by {@code attentionMask (B, S)}:
     * {@code cumsum(mask) - 1}, and 1 on padding, as transformers' generate computes them (so left
     * padding works) and passes them to models that take position ids.
     */
    public static NDArray positions(NDArray attentionMask, long t) {
        NDArray m = attentionMask.toType(DataType.INT64, false);
        NDArray counted = m.cumSum(1).sub(1).mul(m).add(m.eq(0).toType(DataType.INT64, false));
        return counted.get(new ai.djl.ndarray.index.NDIndex(
                ":, {}:", attentionMask.getShape().get(1) - t));
    }

    /**
     * {@code (B, 1, T, S)}: 0 where query i may attend key j (j ≤ i, counting the {@code S - T} past
     * positions first, and key j not padding), the float minimum elsewhere.
     *
     * @param attentionMask {@code (B, S)}, 1 for tokens and 0 for padding
     * @param t the number of new positions (queries)
     */
    public static NDArray additive(NDArray attentionMask, long t, DataType dtype) {
        return additive(attentionMask, t, dtype, null);
    }

    /**
     * {@link #additive(NDArray, long, DataType)} with transformers 4.39's sliding window ({@code
     * _prepare_4d_causal_attention_mask(..., sliding_window)}, as Mistral and Qwen2 use it): query i, counting the
     * past first, also may not attend key j when {@code i - j > slidingWindow}, so it sees itself and {@code
     * slidingWindow} earlier keys. Indices count padding, as there.
     *
     * @param slidingWindow the window, or null for none
     */
    public static NDArray additive(NDArray attentionMask, long t, DataType dtype, Integer slidingWindow) {
        long s = attentionMask.getShape().get(1);
        NDArray query = queryPositions(attentionMask, t);
        NDArray key = keyPositions(attentionMask);
        NDArray future = key.gt(query); // (1, 1, T, S)
        if (slidingWindow != null) {
            future = future.logicalOr(query.sub(key).gt(slidingWindow.longValue()));
        }
        NDArray padding = attentionMask.eq(0).reshape(-1, 1, 1, s); // (B, 1, 1, S)
        return future.logicalOr(padding).toType(dtype, false).mul(-Float.MAX_VALUE);
    }

    /**
     * GPT-2's mask, {@code (B, 1, T, S)}, as transformers' GPT2Attention applies it: the causal mask (the dtype's
     * minimum on future keys) plus the padding mask (the minimum on padding keys), so a future padding key gets
     * {@code -inf}. Add it to the scores without clamping: a padding query that may see no real key then attends
     * evenly to the padding up to itself and to every later real token, as in transformers, instead of to all keys.
     *
     * @param attentionMask {@code (B, S)}, 1 for tokens and 0 for padding
     * @param t the number of new positions (queries)
     */
    public static NDArray causalPlusPadding(NDArray attentionMask, long t, DataType dtype) {
        long s = attentionMask.getShape().get(1);
        Number min = lowest(dtype);
        NDArray future = keyPositions(attentionMask)
                .gt(queryPositions(attentionMask, t))
                .toType(dtype, false)
                .mul(min);
        NDArray padding =
                attentionMask.eq(0).reshape(-1, 1, 1, s).toType(dtype, false).mul(min); // (B, 1, 1, S)
        return future.add(padding); // min + min overflows to -inf, as in torch
    }

    /** The positions {@code (1, 1, T, 1)} of the {@code t} new tokens (queries), counted after the past. */
    private static NDArray queryPositions(NDArray attentionMask, long t) {
        long past = attentionMask.getShape().get(1) - t;
        return attentionMask
                .getManager()
                .arange(past, past + t, 1, DataType.INT64, attentionMask.getDevice())
                .reshape(1, 1, t, 1);
    }

    /** The positions {@code (1, 1, 1, S)} of all keys, past included. */
    private static NDArray keyPositions(NDArray attentionMask) {
        long s = attentionMask.getShape().get(1);
        return attentionMask
                .getManager()
                .arange(0, s, 1, DataType.INT64, attentionMask.getDevice())
                .reshape(1, 1, 1, s);
    }

    /** transformers' {@code torch.finfo(dtype).min}. */
    static Number lowest(DataType dtype) {
        switch (dtype) {
            case FLOAT16:
                return -65504f;
            case BFLOAT16:
                return -3.3895314e38f;
            case FLOAT64:
                return -Double.MAX_VALUE;
            default:
                return -Float.MAX_VALUE;
        }
    }
}
