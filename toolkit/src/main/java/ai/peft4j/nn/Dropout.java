package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/** PyTorch's {@code nn.Dropout}: zeroes elements with probability {@code p} while training. */
public class Dropout extends UnaryModule {

    private final float p;

    /** A dropout layer with drop probability {@code p} in [0, 1], as PyTorch allows (1 drops everything). */
    public Dropout(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1], got " + p);
        }
        this.p = (float) p;
    }

    public float p() {
        return p;
    }

    /** Identity in evaluation mode or when p is 0. */
    public NDArray forward(NDArray x, boolean training) {
        return apply(x, p, training);
    }

    /** {@inheritDoc} Dropout has no parameters: the same as {@link #forward(NDArray, boolean)}. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return forward(x, training);
    }

    /** The functional form ({@code F.dropout}). */
    public static NDArray apply(NDArray x, float p, boolean training) {
        return training && p > 0 ? ai.djl.nn.norm.Dropout.dropout(x, p, true).singletonOrThrow() : x;
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
