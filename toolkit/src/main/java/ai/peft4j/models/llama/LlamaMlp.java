package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.UnaryModule;

/** The SwiGLU feed-forward: {@code down_proj(silu(gate_proj(x)) * up_proj(x))}. */
public class LlamaMlp extends UnaryModule {

  public LlamaMlp(LlamaConfig c) {
    addModule("gate_proj", new Linear(c.hiddenSize(), c.intermediateSize(), false));
    addModule("up_proj", new Linear(c.hiddenSize(), c.intermediateSize(), false));
    addModule("down_proj", new Linear(c.intermediateSize(), c.hiddenSize(), false));
  }

  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    NDArray gate = call("gate_proj", ps, training, x);
    NDArray silu = gate.mul(Activation.sigmoid(gate));
    return call("down_proj", ps, training, silu.mul(call("up_proj", ps, training, x)));
  }
}
