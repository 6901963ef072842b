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
public class Linear extends WeightedModule {

    /** A linear layer with its own weight (and bias when {@code bias} is true). */
    public Linear(long inFeatures, long outFeatures, boolean bias) {
        super(Parameter.Type.WEIGHT, new Shape(outFeatures, inFeatures), bias ? new Shape(outFeatures) : null);
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException(
                    "Linear needs positive sizes, got in=" + inFeatures + ", out=" + outFeatures);
        }
    }

    /**
     * A bias-free linear layer whose weight is {@code shared} (tied weights, e.g. an LM head that
     * reuses the token embedding matrix).
     */
    public Linear(Parameter shared) {
        super(shared);
    }

    /** The input size, from the weight's shape {@code [out, in]}. */
    public long inFeatures() {
        return weight().getShape().get(1);
    }

    /** The output size, from the weight's shape {@code [out, in]}. */
    public long outFeatures() {
        return weight().getShape().get(0);
    }

    /** Applies the layer to one array. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return linear(x, weight(ps, x, training), bias(ps, x, training));
    }

    /** The functional form; {@code bias} may be null. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        if (bias == null) {
            return ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow();
        }
        Shape shape = x.getShape();
        int dims = shape.dimension();
        if (dims <= 2) {
            return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
        }
        // libtorch's C++ linear adds the bias inside the GEMM (addmm) only for 2-D input, and for more dimensions
        // runs matmul and then a separate pass over the output for the bias. Viewing (..., in) as (N, in), free for
        // a contiguous input, gets the fused form; the output is viewed back as (..., out).
        NDArray y = ai.djl.nn.core.Linear.linear(x.reshape(-1, shape.get(dims - 1)), weight, bias)
                .singletonOrThrow();
        return y.reshape(shape.slice(0, dims - 1).add(weight.getShape().get(0)));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return withLastDimension(inputShapes, outFeatures());
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures() + ", out_features=" + outFeatures() + ", bias="
                + (bias() != null ? "True" : "False");
    }
}
