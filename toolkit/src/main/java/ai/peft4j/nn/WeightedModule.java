package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * A one-array layer with PyTorch's {@code weight} and, optionally, {@code bias} parameters ({@link Linear}, {@link
 * Conv1D}, {@link Embedding}, {@link LayerNorm}, {@link RmsNorm}). The parameters are declared here, with their shapes
 * known at construction; a subclass reads their values for a forward pass with {@link #weight(ParameterStore,
 * NDArray, boolean)} and {@link #bias(ParameterStore, NDArray, boolean)}.
 */
public abstract class WeightedModule extends UnaryModule {

    private final Parameter weight;
    private final Parameter bias;

    /**
     * A layer with its own parameters; a null shape means no such parameter.
     *
     * @param weightType {@code WEIGHT}, or {@code GAMMA} for a norm's scale
     */
    protected WeightedModule(Parameter.Type weightType, Shape weightShape, Shape biasShape) {
        this.weight = weightShape == null ? null : addParam("weight", weightType, weightShape);
        Parameter.Type biasType = weightType == Parameter.Type.GAMMA ? Parameter.Type.BETA : Parameter.Type.BIAS;
        this.bias = biasShape == null ? null : addParam("bias", biasType, biasShape);
    }

    /** A bias-free layer whose weight is {@code shared} (tied weights: the same parameter under two paths). */
    protected WeightedModule(Parameter shared) {
        this.weight = addParam("weight", shared);
        this.bias = null;
    }

    /** The weight parameter, or null when the layer has none (a norm without elementwise affine). */
    public Parameter weight() {
        return weight;
    }

    /** The bias parameter, or null when the layer has none. */
    public Parameter bias() {
        return bias;
    }

    /** The weight's value for this forward pass, on {@code x}'s device (null without a weight). */
    protected final NDArray weight(ParameterStore ps, NDArray x, boolean training) {
        return value(ps, weight, x, training);
    }

    /** The bias's value for this forward pass, on {@code x}'s device (null without a bias). */
    protected final NDArray bias(ParameterStore ps, NDArray x, boolean training) {
        return value(ps, bias, x, training);
    }

    /** {@code inputShapes} with the last dimension of the one input replaced by {@code size}. */
    protected static Shape[] withLastDimension(Shape[] inputShapes, long size) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(size)};
    }
}
