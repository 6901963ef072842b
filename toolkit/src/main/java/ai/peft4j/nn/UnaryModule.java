package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A module called with one array that returns one array, as most PyTorch modules are ({@code
 * nn.Linear}, {@code nn.LayerNorm}, an MLP block). A subclass writes only {@link #forward}; DJL's
 * generic {@code forward(ps, NDList, training)} calls it with the single input. The output has the
 * input's shape unless the subclass overrides {@link #getOutputShapes}.
 *
 * <pre>{@code
 * class Scale extends UnaryModule {
 *   public NDArray forward(ParameterStore ps, NDArray x, boolean training) { return x.mul(2); }
 * }
 * }</pre>
 */
public abstract class UnaryModule extends ModuleBlock {

    /** Applies this module to {@code x}. */
    public abstract NDArray forward(ParameterStore ps, NDArray x, boolean training);

    /** {@inheritDoc} Runs {@link #forward} on the one input. */
    @Override
    protected final NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    /** {@inheritDoc} The input's shape. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
