package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.Scalars;
import java.util.function.UnaryOperator;

/** The MLP's first half: {@code act(dense(h))}, {@code (B, T, D) -> (B, T, intermediate)}. */
public class BertIntermediate extends ModuleBlock {

  private final UnaryOperator<NDArray> activation;

  public BertIntermediate(BertConfig c) {
    activation = activation(c.hiddenAct());
    addModule("dense", new Linear(c.hiddenSize(), c.intermediateSize(), true));
  }

  public NDArray forward(ParameterStore ps, NDArray h, boolean training) {
    return activation.apply(call("dense", ps, training, h));
  }

  /**
   * transformers' {@code ACT2FN} for the names BERT checkpoints use: {@code gelu} (exact, erf), {@code gelu_new} /
   * {@code gelu_pytorch_tanh} (tanh approximation), {@code relu}, {@code silu}/{@code swish}.
   *
   * @throws IllegalArgumentException naming the supported ones, for any other name
   */
  static UnaryOperator<NDArray> activation(String name) {
    switch (name) {
      case "gelu":
        return Activation::gelu;
      case "gelu_new":
      case "gelu_pytorch_tanh":
        return BertIntermediate::geluTanh;
      case "relu":
        return Activation::relu;
      case "silu":
      case "swish":
        return x -> x.mul(Activation.sigmoid(x));
      default:
        throw new IllegalArgumentException(
            "hidden_act '" + name + "' is not supported; use gelu, gelu_new, gelu_pytorch_tanh, relu or silu");
    }
  }

  /** {@code 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))}. */
  static NDArray geluTanh(NDArray x) {
    NDArray inner = Scalars.mul(x.add(Scalars.mul(Scalars.pow(x, 3), 0.044715)), Math.sqrt(2.0 / Math.PI));
    return Scalars.mul(x, 0.5).mul(inner.tanh().add(1f));
  }

  /** {@inheritDoc} */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(forward(ps, inputs.singletonOrThrow(), training));
  }
}
