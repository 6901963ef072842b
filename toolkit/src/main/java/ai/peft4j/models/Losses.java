package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/** Loss functions with transformers' conventions. */
public final class Losses {

  /** The label value that cross-entropy ignores, as in PyTorch's {@code ignore_index}. */
  public static final int IGNORE_INDEX = -100;

  private Losses() {}

  /**
   * Mean cross-entropy of {@code logits (N..., C)} against integer {@code labels (N...)}, skipping
   * positions labelled {@link #IGNORE_INDEX}; PyTorch's {@code CrossEntropyLoss()}.
   */
  public static NDArray crossEntropy(NDArray logits, NDArray labels) {
    NDArray target = labels.toType(DataType.INT64, false);
    NDArray keep = target.neq(IGNORE_INDEX);
    NDArray safe = target.mul(keep.toType(DataType.INT64, false));
    NDArray logp = logits.logSoftmax(-1);
    NDArray picked = logp.gather(safe.expandDims(-1), -1).squeeze(-1);
    NDArray weight = keep.toType(logp.getDataType(), false);
    return picked.mul(weight).sum().neg().div(weight.sum());
  }

  /**
   * transformers' causal-LM loss: position t predicts token t+1, so logits drop the last step and
   * labels the first.
   */
  public static NDArray causalLmLoss(NDArray logits, NDArray labels) {
    NDArray shiftedLogits = logits.get(new NDIndex(":, :-1, :"));
    NDArray shiftedLabels = labels.get(new NDIndex(":, 1:"));
    return crossEntropy(shiftedLogits, shiftedLabels);
  }
}
