package ai.peft4j.models.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.LayerNorm;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;
import java.util.function.UnaryOperator;

/**
 * One decoder layer: attention then MLP, each in a residual branch, normalised before the branch
 * (pre-LN) or after the residual sum (post-LN, opt-350m).
 */
public class OptDecoderLayer extends ModuleBlock {

    static final float LAYER_NORM_EPS = 1e-5f;

    private final boolean normBefore;
    private final float dropout;
    private final UnaryOperator<NDArray> activation;

    public OptDecoderLayer(OptConfig c) {
        int d = c.hiddenSize();
        boolean affine = c.layerNormElementwiseAffine();
        normBefore = c.doLayerNormBefore();
        dropout = (float) c.dropout();
        activation = activation(c.activationFunction());
        addModule("self_attn", new OptAttention(c));
        addModule("self_attn_layer_norm", new LayerNorm(d, LAYER_NORM_EPS, affine));
        addModule("fc1", new Linear(d, c.ffnDim(), c.enableBias()));
        addModule("fc2", new Linear(c.ffnDim(), d, c.enableBias()));
        addModule("final_layer_norm", new LayerNorm(d, LAYER_NORM_EPS, affine));
    }

    /** {@code (B, T, D) -> (B, T, D)}; {@code mask} is the additive {@code (B, 1, T, S)} mask. */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, boolean training) {
        return forward(ps, h, mask, null, training);
    }

    /**
     * {@link #forward(ParameterStore, NDArray, NDArray, boolean)} with this layer's past {@code (key, value)}, each
     * {@code (B, H, P, hd)}, or null; {@code mask} is then {@code (B, 1, T, P + T)}.
     */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, boolean training) {
        return forward(ps, h, mask, past, training, null);
    }

    /**
     * {@link #forward(ParameterStore, NDArray, NDArray, NDList, boolean)} that adds this layer's keys and values to
     * {@code present} when not null (see {@link OptAttention}); nothing is added when {@code self_attn} has been
     * replaced by another module.
     */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, boolean training, NDList present) {
        NDArray residual = h;
        if (normBefore) {
            h = call("self_attn_layer_norm", ps, training, h);
        }
        NDArray pastKey = past == null ? null : past.get(0);
        NDArray pastValue = past == null ? null : past.get(1);
        if (present != null && module("self_attn") instanceof OptAttention) {
            h = ((OptAttention) module("self_attn")).forward(ps, h, mask, pastKey, pastValue, training, present);
        } else {
            h = past == null
                    ? call("self_attn", ps, training, h, mask)
                    : call("self_attn", ps, training, h, mask, pastKey, pastValue);
        }
        h = residual.add(Dropout.apply(h, dropout, training));
        if (!normBefore) {
            h = call("self_attn_layer_norm", ps, training, h);
        }

        residual = h;
        if (normBefore) {
            h = call("final_layer_norm", ps, training, h);
        }
        h = call("fc2", ps, training, activation.apply(call("fc1", ps, training, h)));
        h = residual.add(Dropout.apply(h, dropout, training));
        if (!normBefore) {
            h = call("final_layer_norm", ps, training, h);
        }
        return h;
    }

    static UnaryOperator<NDArray> activation(String name) {
        switch (name) {
            case "relu":
                return Activation::relu;
            case "gelu":
                return Activation::gelu;
            case "silu":
            case "swish":
                return x -> x.mul(Activation.sigmoid(x));
            default:
                throw new IllegalArgumentException(
                        "activation_function '" + name + "' is not supported; use relu, gelu or silu");
        }
    }

    /** {@inheritDoc} Inputs: hidden states, the additive mask and optionally the past key and value. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList past = inputs.size() > 3 ? new NDList(inputs.get(2), inputs.get(3)) : null;
        return new NDList(forward(ps, inputs.get(0), inputs.get(1), past, training));
    }
}
