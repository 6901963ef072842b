package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.nn.Scalars;

/**
 * Rotary position embeddings as transformers' Llama applies them: frequencies {@code 1 / θ^(2i/d)} (or those of
 * {@link RopeScaling}), angles {@code position · frequency} repeated over both halves of the head, and {@code
 * q·cos + rotate_half(q)·sin} with {@code rotate_half(x) = cat(-x₂, x₁)}.
 */
final class LlamaRotaryEmbedding {

    private LlamaRotaryEmbedding() {}

    /** {@code cos} and {@code sin}, each {@code (B, 1, T, headDim)}, for positions {@code (B, T)}. */
    static NDList cosSin(NDArray positions, LlamaFamilyConfig c) {
        int dim = c.headDim();
        RopeScaling scaling = c.ropeScaling();
        NDArray pos = positions.toType(DataType.FLOAT32, false);
        float[] invFreq;
        if (scaling == null) {
            invFreq = RopeScaling.defaultInvFreq(dim, (float) c.ropeTheta());
        } else {
            long seqLen = scaling.dynamic() ? positions.max().getLong() + 1 : 0;
            invFreq = scaling.invFreq(dim, c.ropeTheta(), seqLen, c.maxPositionEmbeddings());
            if (scaling.positionDivisor() != 1) {
                pos = Scalars.div(pos, scaling.positionDivisor());
            }
        }
        NDArray inv = positions
                .getManager()
                .create(invFreq, new Shape(invFreq.length))
                .toDevice(positions.getDevice(), false);
        NDArray freqs = pos.expandDims(-1).mul(inv); // (B, T, d/2)
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
