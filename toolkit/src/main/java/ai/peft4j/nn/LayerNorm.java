package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * PyTorch's {@code nn.LayerNorm} over the last dimension: {@code (x - mean) / sqrt(var + eps) *
 * weight + bias}. Without elementwise affine, it has no parameters.
 */
public class LayerNorm extends WeightedModule {

    private final long dim;
    private final float eps;

    /** A layer norm over {@code dim} features. */
    public LayerNorm(long dim, float eps, boolean elementwiseAffine) {
        super(
                Parameter.Type.GAMMA,
                elementwiseAffine ? new Shape(dim) : null,
                elementwiseAffine ? new Shape(dim) : null);
        this.dim = dim;
        this.eps = eps;
    }

    /** The normalised size. */
    public long dim() {
        return dim;
    }

    public float eps() {
        return eps;
    }

    /** Normalises the last dimension of {@code x}. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = weight(ps, x, training);
        NDArray b = bias(ps, x, training);
        if (w == null) {
            w = x.getManager().ones(new Shape(dim), x.getDataType(), x.getDevice());
            b = x.getManager().zeros(new Shape(dim), x.getDataType(), x.getDevice());
        }
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(dim), w, b, eps).singletonOrThrow();
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "(" + dim + ",), eps=" + eps + ", elementwise_affine=" + (weight() != null ? "True" : "False");
    }
}
