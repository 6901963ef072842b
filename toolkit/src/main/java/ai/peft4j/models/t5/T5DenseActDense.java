package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Activations;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.UnaryModule;
import java.util.function.UnaryOperator;

/** transformers' {@code T5DenseActDense} (t5's {@code relu} feed-forward): {@code wo(dropout(act(wi(x))))}. */
public class T5DenseActDense extends UnaryModule {

    private final UnaryOperator<NDArray> act;
    private final float dropout;

    public T5DenseActDense(T5Config c) {
        act = Activations.byName(c.denseActFn(), "feed_forward_proj");
        dropout = (float) c.dropoutRate();
        addModule("wi", new Linear(c.dModel(), c.dFf(), false));
        addModule("wo", new Linear(c.dFf(), c.dModel(), false));
    }

    /** {@inheritDoc} */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray hidden = Dropout.apply(act.apply(call("wi", ps, training, x)), dropout, training);
        return call("wo", ps, training, hidden);
    }
}
