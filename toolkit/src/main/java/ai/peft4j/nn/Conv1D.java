package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * transformers' {@code Conv1D} (GPT-2): a linear layer whose weight is stored transposed, {@code
 * [in, out]}, so {@code y = x W + b}. LoRA on it sets {@code fan_in_fan_out}, as PEFT does.
 */
public class Conv1D extends UnaryModule {

    private final long inFeatures;
    private final long outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    /** transformers' argument order: {@code Conv1D(nf = out, nx = in)}. */
    public Conv1D(long nf, long nx) {
        this.outFeatures = nf;
        this.inFeatures = nx;
        this.weight = addParam("weight", Parameter.Type.WEIGHT, new Shape(nx, nf));
        this.bias = addParam("bias", Parameter.Type.BIAS, new Shape(nf));
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = value(ps, weight, x, training);
        NDArray b = value(ps, bias, x, training);
        return Linear.linear(x, w.transpose(), b);
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
        return "nf=" + outFeatures + ", nx=" + inFeatures;
    }
}
