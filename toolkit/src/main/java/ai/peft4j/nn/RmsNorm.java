package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Root-mean-square norm over the last dimension, as transformers' {@code LlamaRMSNorm}: {@code
 * weight * x / sqrt(mean(x²) + eps)}, computed in float32 and cast back to the input's type. With a unit offset, as
 * {@code GemmaRMSNorm}: {@code (1 + weight) * x / sqrt(mean(x²) + eps)}, scaled in float32 before the cast, and the
 * weight starts at 0.
 */
public class RmsNorm extends WeightedModule {

    private final long dim;
    private final float eps;
    private final boolean unitOffset;

    public RmsNorm(long dim, float eps) {
        this(dim, eps, false);
    }

    /** @param unitOffset scale by {@code 1 + weight} (Gemma) instead of {@code weight} */
    public RmsNorm(long dim, float eps, boolean unitOffset) {
        super(Parameter.Type.GAMMA, new Shape(dim), null);
        this.dim = dim;
        this.eps = eps;
        this.unitOffset = unitOffset;
    }

    /** Whether the scale is {@code 1 + weight} (then the weight's initial value is 0, else 1). */
    public boolean unitOffset() {
        return unitOffset;
    }

    /** Normalises the last dimension of {@code x}. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = weight(ps, x, training);
        NDArray h = x.toType(DataType.FLOAT32, false);
        NDArray rms = h.square().mean(new int[] {-1}, true).add(eps).sqrt(); // add(Number): nothing saved for backward
        if (unitOffset) {
            return h.div(rms).mul(w.toType(DataType.FLOAT32, false).add(1f)).toType(x.getDataType(), false);
        }
        return h.div(rms).toType(x.getDataType(), false).mul(w); // input first: the result lives on its manager
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "(" + dim + ",), eps=" + eps + (unitOffset ? ", scale=1+weight" : "");
    }
}
