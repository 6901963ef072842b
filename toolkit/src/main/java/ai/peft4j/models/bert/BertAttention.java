package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.ModuleBlock;

/** Self-attention ({@code self}) followed by its projection and residual norm ({@code output}). */
public class BertAttention extends ModuleBlock {

  public BertAttention(BertFamilyConfig c) {
    addModule("self", new BertSelfAttention(c));
    addModule("output", new BertSelfOutput(c));
  }

  /** {@code (B, T, D) -> (B, T, D)}; {@code mask} is the additive {@code (B, 1, 1, S)} mask or null. */
  public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, boolean training) {
    NDArray context = past != null
        ? call("self", ps, training, h, mask, past.get(0), past.get(1))
        : mask == null ? call("self", ps, training, h) : call("self", ps, training, h, mask);
    return call("output", ps, training, context, h);
  }

  /** {@inheritDoc} Inputs: hidden states, optionally the additive mask, then optionally past key and value. */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
    NDList past = inputs.size() > 3 ? new NDList(inputs.get(2), inputs.get(3)) : null;
    return new NDList(forward(ps, inputs.get(0), mask, past, training));
  }
}
