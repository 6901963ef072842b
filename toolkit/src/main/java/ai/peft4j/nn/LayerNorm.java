package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * PyTorch's {@code nn.LayerNorm} over the last dimension: {@code (x - mean) / sqrt(var + eps) *
 * weight + bias}. Without elementwise affine, it has no parameters.
 */
public class LayerNorm extends UnaryModule {

    private final long dim;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    /** A layer norm over {@code dim} features. */
    public LayerNorm(long dim, float eps, boolean elementwiseAffine) {
        this.dim = dim;
        this.eps = eps;
        this.weight = elementwiseAffine ? addParam("weight", Parameter.Type.GAMMA, new Shape(dim)) : null;
        this.bias = elementwiseAffine ? addParam("bias", Parameter.Type.BETA, new Shape(dim)) : null;
    }

    /** The normalised size. */
    public long dim() {
        return dim;
    }

    public float eps() {
        return eps;
    }

    /** The weight, or null without elementwise affine. */
    public Parameter weight() {
        return weight;
    }

    /** The bias, or null without elementwise affine. */
    public Parameter bias() {
        return bias;
    }

    /** Normalises the last dimension of {@code x}. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = value(ps, weight, x, training);
        NDArray b = value(ps, bias, x, training);
        if (w == null) {
            w = x.getManager().ones(new Shape(dim), x.getDataType(), x.getDevice());
            b = x.getManager().zeros(new Shape(dim), x.getDataType(), x.getDevice());
        }
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(dim), w, b, eps).singletonOrThrow();
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "(" + dim + ",), eps=" + eps + ", elementwise_affine=" + (weight != null ? "True" : "False");
    }
}
