package ai.peft4j.models.bloom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.DirectCallModule;
import ai.peft4j.nn.LayerNorm;

/**
 * One pre-LN block: {@code input_layernorm}, {@code self_attention}, {@code post_attention_layernorm}, {@code mlp}.
 * Each residual branch adds the block's input, or, with {@code apply_residual_connection_post_layernorm}, the
 * layer-normed input.
 */
public class BloomBlock extends DirectCallModule {

    private final boolean residualPostLayernorm;

    public BloomBlock(BloomConfig c) {
        super("ALiBi biases");
        int d = c.hiddenSize();
        float eps = (float) c.layerNormEpsilon();
        residualPostLayernorm = c.applyResidualConnectionPostLayernorm();
        addModule("input_layernorm", new LayerNorm(d, eps, true));
        addModule("self_attention", new BloomAttention(c));
        addModule("post_attention_layernorm", new LayerNorm(d, eps, true));
        addModule("mlp", new BloomMlp(c));
    }

    /**
     * {@code (B, T, D) -> (B, T, D)}; see {@link BloomAttention#forward} for {@code alibi}, {@code mask}, {@code past}
     * and {@code present} (nothing is added to it when {@code self_attention} has been replaced by another module).
     */
    public NDArray forward(
            ParameterStore ps, NDArray h, NDArray alibi, NDArray mask, NDList past, NDList present, boolean training) {
        NDArray normed = call("input_layernorm", ps, training, h);
        NDArray residual = residualPostLayernorm ? normed : h;
        Block attention = module("self_attention");
        if (!(attention instanceof BloomAttention)) {
            throw new IllegalStateException(
                    "self_attention was replaced by " + attention.getClass().getSimpleName()
                            + ", which cannot take Bloom's ALiBi biases; wrap its query_key_value or dense layers instead");
        }
        NDArray attended =
                ((BloomAttention) attention).forward(ps, normed, residual, alibi, mask, past, present, training);
        normed = call("post_attention_layernorm", ps, training, attended);
        residual = residualPostLayernorm ? normed : attended;
        Block mlp = module("mlp");
        return mlp instanceof BloomMlp
                ? ((BloomMlp) mlp).forward(ps, normed, residual, training)
                : call("mlp", ps, training, normed, residual);
    }
}
