package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.RmsNorm;
import ai.peft4j.nn.UnaryModule;

/**
 * transformers' {@code T5LayerFF}: {@code x + dropout(DenseReluDense(layer_norm(x)))}, with T5's layer norm (an RMS
 * norm: no mean, no bias).
 */
public class T5LayerFF extends UnaryModule {

    private final float dropout;

    public T5LayerFF(T5Config c) {
        dropout = (float) c.dropoutRate();
        addModule("DenseReluDense", c.isGatedAct() ? new T5DenseGatedActDense(c) : new T5DenseActDense(c));
        addModule("layer_norm", new RmsNorm(c.dModel(), (float) c.layerNormEpsilon()));
    }

    /** {@inheritDoc} */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray y = call("DenseReluDense", ps, training, call("layer_norm", ps, training, x));
        return x.add(Dropout.apply(y, dropout, training));
    }
}
