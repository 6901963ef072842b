package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
      throw new IllegalArgumentException("The provided attention mask has length " + mask.getShape().get(1)
          + ", but its length should be " + (past + t) + " (sum of the lengths of current and past inputs)");
    }
    return mask;
  }

  /**
   * Position ids for the last {@code t} of the positions covered by {@code attentionMask (B, S)}:
   * {@code cumsum(mask) - 1}, and 1 on padding, as transformers' generate computes them (so left
   * padding works).
   */
  public static NDArray positions(NDArray attentionMask, long t) {
    NDArray m = attentionMask.toType(DataType.INT64, false);
    NDArray counted = m.cumSum(1).sub(1).mul(m).add(m.eq(0).toType(DataType.INT64, false));
    return counted.get(new ai.djl.ndarray.index.NDIndex(":, {}:", attentionMask.getShape().get(1) - t));
  }

  /**
   * {@code (B, 1, T, S)}: 0 where query i may attend key j (j ≤ i, counting the {@code S - T} past
   * positions first, and key j not padding), the float minimum elsewhere.
   *
   * @param attentionMask {@code (B, S)}, 1 for tokens and 0 for padding
   * @param t the number of new positions (queries)
   */
  public static NDArray additive(NDArray attentionMask, long t, DataType dtype) {
    NDManager m = attentionMask.getManager();
    long s = attentionMask.getShape().get(1);
    long past = s - t;
    NDArray query = m.arange(past, past + t, 1, DataType.INT64, attentionMask.getDevice()).reshape(1, 1, t, 1);
    NDArray key = m.arange(0, s, 1, DataType.INT64, attentionMask.getDevice()).reshape(1, 1, 1, s);
    NDArray future = key.gt(query); // (1, 1, T, S)
    NDArray padding = attentionMask.eq(0).reshape(-1, 1, 1, s); // (B, 1, 1, S)
    return future.logicalOr(padding).toType(dtype, false).mul(-Float.MAX_VALUE);
  }
}
