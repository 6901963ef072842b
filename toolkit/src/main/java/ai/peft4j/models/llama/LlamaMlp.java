package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;

/** The SwiGLU feed-forward: {@code down_proj(silu(gate_proj(x)) * up_proj(x))}. */
public class LlamaMlp extends ModuleBlock {

  public LlamaMlp(LlamaConfig c) {
    addModule("gate_proj", new Linear(c.hiddenSize(), c.intermediateSize(), false));
    addModule("up_proj", new Linear(c.hiddenSize(), c.intermediateSize(), false));
    addModule("down_proj", new Linear(c.intermediateSize(), c.hiddenSize(), false));
  }

  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    NDArray gate = call("gate_proj", ps, training, x);
    NDArray silu = gate.mul(Activation.sigmoid(gate));
    return call("down_proj", ps, training, silu.mul(call("up_proj", ps, training, x)));
  }

  /** {@inheritDoc} */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(forward(ps, inputs.singletonOrThrow(), training));
  }

  /** {@inheritDoc} */
  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }
}
