package ai.peft4j.models.roberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.ModuleBlock;

/** Self-attention ({@code self}) followed by its projection and residual norm ({@code output}). */
public class RobertaAttention extends ModuleBlock {

  public RobertaAttention(RobertaConfig c) {
    addModule("self", new RobertaSelfAttention(c));
    addModule("output", new RobertaSelfOutput(c));
  }

  /** {@code (B, T, D) -> (B, T, D)}; {@code mask} is the additive {@code (B, 1, 1, T)} mask or null. */
  public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, boolean training) {
    return forward(ps, h, mask, null, training);
  }

  /** With this layer's past {@code (key, value)} or null; a past needs a mask over {@code P + T}. */
  public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, boolean training) {
    NDArray context = past != null
        ? call("self", ps, training, h, mask, past.get(0), past.get(1))
        : mask == null ? call("self", ps, training, h) : call("self", ps, training, h, mask);
    return call("output", ps, training, context, h);
  }

  /** {@inheritDoc} Inputs: hidden states and, optionally, the additive mask. */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
    NDList past = inputs.size() > 3 ? new NDList(inputs.get(2), inputs.get(3)) : null;
    return new NDList(forward(ps, inputs.get(0), mask, past, training));
  }
}
