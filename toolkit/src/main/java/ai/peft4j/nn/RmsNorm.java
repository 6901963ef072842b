package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Root-mean-square norm over the last dimension, as transformers' {@code LlamaRMSNorm}: {@code
 * weight * x / sqrt(mean(x²) + eps)}, computed in float32 and cast back to the input's type.
 */
public class RmsNorm extends UnaryModule {

  private final long dim;
  private final float eps;
  private final Parameter weight;

  public RmsNorm(long dim, float eps) {
    this.dim = dim;
    this.eps = eps;
    this.weight = addParam("weight", Parameter.Type.GAMMA, new Shape(dim));
  }

  public Parameter weight() {
    return weight;
  }

  /** Normalises the last dimension of {@code x}. */
  @Override
  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    NDArray w = value(ps, weight, x, training);
    NDArray h = x.toType(DataType.FLOAT32, false);
    NDArray rms = h.square().mean(new int[] {-1}, true).add(eps).sqrt(); // add(Number): nothing saved for backward
    return h.div(rms).toType(x.getDataType(), false).mul(w); // input first: the result lives on its manager
  }

  /** {@inheritDoc} */
  @Override
  protected String extraRepr() {
    return "(" + dim + ",), eps=" + eps;
  }
}
