package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.ModuleBlock;

/** One post-LN encoder layer: {@code attention}, then {@code intermediate} and {@code output}. */
public class BertLayer extends ModuleBlock {

  public BertLayer(BertFamilyConfig c) {
    addModule("attention", new BertAttention(c));
    addModule("intermediate", new BertIntermediate(c));
    addModule("output", new BertOutput(c));
  }

  /** {@code (B, T, D) -> (B, T, D)}; with this layer's past {@code (key, value)} or null (mask then over P + T). */
  public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, boolean training) {
    NDArray attended = past != null
        ? call("attention", ps, training, h, mask, past.get(0), past.get(1))
        : mask == null ? call("attention", ps, training, h) : call("attention", ps, training, h, mask);
    NDArray inner = call("intermediate", ps, training, attended); // (B, T, intermediate)
    return call("output", ps, training, inner, attended);
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
