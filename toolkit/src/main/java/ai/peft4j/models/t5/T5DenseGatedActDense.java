package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Activations;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.UnaryModule;
import java.util.function.UnaryOperator;

/**
 * transformers' {@code T5DenseGatedActDense} (t5 v1.1 and mT5's {@code gated-gelu}): {@code wo(dropout(act(wi_0(x)) *
 * wi_1(x)))}.
 */
public class T5DenseGatedActDense extends UnaryModule {

    private final UnaryOperator<NDArray> act;
    private final float dropout;

    public T5DenseGatedActDense(T5Config c) {
        act = Activations.byName(c.denseActFn(), "feed_forward_proj");
        dropout = (float) c.dropoutRate();
        addModule("wi_0", new Linear(c.dModel(), c.dFf(), false));
        addModule("wi_1", new Linear(c.dModel(), c.dFf(), false));
        addModule("wo", new Linear(c.dFf(), c.dModel(), false));
    }

    /** {@inheritDoc} */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray gate = act.apply(call("wi_0", ps, training, x));
        NDArray hidden = Dropout.apply(gate.mul(call("wi_1", ps, training, x)), dropout, training);
        return call("wo", ps, training, hidden);
    }
}
