package ai.peft4j.models.roberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.ModuleBlock;

/** One post-LN encoder layer: {@code attention}, then {@code intermediate} and {@code output}. */
public class RobertaLayer extends ModuleBlock {

  public RobertaLayer(RobertaConfig c) {
    addModule("attention", new RobertaAttention(c));
    addModule("intermediate", new RobertaIntermediate(c));
    addModule("output", new RobertaOutput(c));
  }

  /** {@code (B, T, D) -> (B, T, D)}; {@code mask} is the additive {@code (B, 1, 1, T)} mask or null. */
  public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, boolean training) {
    return forward(ps, h, mask, null, training);
  }

  /** With this layer's past {@code (key, value)} or null; a past needs a mask over {@code P + T}. */
  public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, boolean training) {
    NDArray attended = past != null
        ? call("attention", ps, training, h, mask, past.get(0), past.get(1))
        : mask == null ? call("attention", ps, training, h) : call("attention", ps, training, h, mask);
    NDArray inner = call("intermediate", ps, training, attended); // (B, T, intermediate)
    return call("output", ps, training, inner, attended);
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
