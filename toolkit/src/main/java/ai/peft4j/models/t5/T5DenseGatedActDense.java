package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * transformers' {@code T5DenseGatedActDense} (t5 v1.1 and mT5's {@code gated-gelu}): {@code wo(dropout(act(wi_0(x)) *
 * wi_1(x)))}.
 */
public class T5DenseGatedActDense extends T5DenseActDense {

    public T5DenseGatedActDense(T5Config c) {
        super(c, "wi_0", "wi_1");
    }

    /** {@inheritDoc} Here {@code act(wi_0(x)) * wi_1(x)}. */
    @Override
    protected NDArray inner(ParameterStore ps, NDArray x, boolean training) {
        return activate(call("wi_0", ps, training, x)).mul(call("wi_1", ps, training, x));
    }
}
