package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * transformers' {@code Conv1D} (GPT-2): a linear layer whose weight is stored transposed, {@code
 * [in, out]}, so {@code y = x W + b}. LoRA on it sets {@code fan_in_fan_out}, as PEFT does.
 */
public class Conv1D extends WeightedModule {

    private final long inFeatures;
    private final long outFeatures;

    /** transformers' argument order: {@code Conv1D(nf = out, nx = in)}. */
    public Conv1D(long nf, long nx) {
        super(Parameter.Type.WEIGHT, new Shape(nx, nf), new Shape(nf));
        this.outFeatures = nf;
        this.inFeatures = nx;
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return Linear.linear(x, weight(ps, x, training).transpose(), bias(ps, x, training));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return withLastDimension(inputShapes, outFeatures);
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "nf=" + outFeatures + ", nx=" + inFeatures;
    }
}
