package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Activations;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.UnaryModule;
import java.util.function.UnaryOperator;

/**
 * transformers' {@code T5DenseActDense} (t5's {@code relu} feed-forward): {@code wo(dropout(act(wi(x))))}. Its gated
 * variant {@link T5DenseGatedActDense} differs only in the activated inner state.
 */
public class T5DenseActDense extends UnaryModule {

    private final UnaryOperator<NDArray> act;
    private final float dropout;

    public T5DenseActDense(T5Config c) {
        this(c, "wi");
    }

    /** The input projections {@code inputs} ({@code d_model -> d_ff}, in checkpoint order), then {@code wo}. */
    T5DenseActDense(T5Config c, String... inputs) {
        act = Activations.byName(c.denseActFn(), "feed_forward_proj");
        dropout = (float) c.dropoutRate();
        for (String input : inputs) {
            addModule(input, new Linear(c.dModel(), c.dFf(), false));
        }
        addModule("wo", new Linear(c.dFf(), c.dModel(), false));
    }

    /** {@inheritDoc} */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray hidden = Dropout.apply(inner(ps, x, training), dropout, training);
        return call("wo", ps, training, hidden);
    }

    /** The activated inner state {@code (B, T, d_ff)}, before dropout: {@code act(wi(x))}. */
    protected NDArray inner(ParameterStore ps, NDArray x, boolean training) {
        return activate(call("wi", ps, training, x));
    }

    /** The configured {@code dense_act_fn}. */
    protected final NDArray activate(NDArray x) {
        return act.apply(x);
    }
}
