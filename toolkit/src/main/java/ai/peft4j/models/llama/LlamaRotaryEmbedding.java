package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.peft4j.nn.Scalars;

/**
 * Rotary position embeddings as transformers' Llama applies them: frequencies {@code θ^(-2i/d)},
 * angles {@code position · frequency} repeated over both halves of the head, and {@code q·cos +
 * rotate_half(q)·sin} with {@code rotate_half(x) = cat(-x₂, x₁)}.
 */
final class LlamaRotaryEmbedding {

  private LlamaRotaryEmbedding() {}

  /** {@code cos} and {@code sin}, each {@code (B, 1, T, headDim)}, for positions {@code (B, T)}. */
  static NDList cosSin(NDArray positions, int headDim, double theta) {
    NDArray exponents = positions.getManager()
        .arange(0, headDim, 2, DataType.FLOAT32, positions.getDevice()); // 0, 2, 4, ...
    NDArray invFreq = Scalars.mul(exponents, -Math.log(theta) / headDim).exp(); // θ^(-2i/d)
    NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(invFreq); // (B, T, d/2)
    NDArray angles = freqs.concat(freqs, -1).expandDims(1); // (B, 1, T, d)
    return new NDList(angles.cos(), angles.sin());
  }

  /** {@code x (B, H, T, d)} rotated by the angles of {@code cosSin}. */
  static NDArray apply(NDArray x, NDList cosSin) {
    long half = x.getShape().get(3) / 2;
    NDArray x1 = x.get(new NDIndex("..., :{}", half));
    NDArray x2 = x.get(new NDIndex("..., {}:", half));
    NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
    return x.mul(cosSin.get(0)).add(rotated.mul(cosSin.get(1)));
  }
}
