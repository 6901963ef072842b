package ai.peft4j.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A module whose forward takes more than arrays (a mask, rotary angles, a cache), so its owner calls its typed {@code
 * forward(...)} directly; DJL's generic forward refuses, naming what it lacks. The output has its input's shape.
 */
public abstract class DirectCallModule extends ModuleBlock {

    private final String needs;

    /** @param needs what DJL's generic forward cannot pass, e.g. {@code "a mask"} */
    protected DirectCallModule(String needs) {
        this.needs = needs;
    }

    /** {@inheritDoc} Throws: the owner calls the typed forward. */
    @Override
    protected final NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " needs " + needs + ": call forward(...) directly");
    }

    /** {@inheritDoc} The input's shape. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
