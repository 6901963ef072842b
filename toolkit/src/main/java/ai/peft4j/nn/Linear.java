package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * PyTorch's {@code nn.Linear}: {@code y = x Wᵀ + b}, with {@code weight} of shape {@code [out,
 * in]} and an optional {@code bias} of shape {@code [out]}. Input {@code (..., in)}, output {@code
 * (..., out)}.
 *
 * <pre>{@code
 * Linear fc1 = new Linear(768, 3072, true);   // fc1.weight [3072, 768], fc1.bias [3072]
 * }</pre>
 */
public class Linear extends UnaryModule {

    private final long inFeatures;
    private final long outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    /** A linear layer with its own weight (and bias when {@code bias} is true). */
    public Linear(long inFeatures, long outFeatures, boolean bias) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException(
                    "Linear needs positive sizes, got in=" + inFeatures + ", out=" + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = addParam("weight", Parameter.Type.WEIGHT, new Shape(outFeatures, inFeatures));
        this.bias = bias ? addParam("bias", Parameter.Type.BIAS, new Shape(outFeatures)) : null;
    }

    /**
     * A bias-free linear layer whose weight is {@code shared} (tied weights, e.g. an LM head that
     * reuses the token embedding matrix).
     */
    public Linear(Parameter shared) {
        Shape s = shared.getShape();
        this.outFeatures = s.get(0);
        this.inFeatures = s.get(1);
        this.weight = addParam("weight", shared);
        this.bias = null;
    }

    public long inFeatures() {
        return inFeatures;
    }

    public long outFeatures() {
        return outFeatures;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias parameter, or null when the layer has none. */
    public Parameter bias() {
        return bias;
    }

    /** Applies the layer to one array. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = value(ps, weight, x, training);
        NDArray b = value(ps, bias, x, training);
        return linear(x, w, b);
    }

    /** The functional form; {@code bias} may be null. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return bias == null
                ? ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(outFeatures)};
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias="
                + (bias != null ? "True" : "False");
    }
}
