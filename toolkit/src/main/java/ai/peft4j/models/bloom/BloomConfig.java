package ai.peft4j.models.bloom;

import ai.peft4j.models.ConfigKey;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code BloomConfig}: every field with the same name and default. Unknown fields
 * are kept and saved back. As in transformers, {@code n_embed} is read as {@code hidden_size}, and
 * {@code num_hidden_layers} / {@code num_attention_heads} as {@code n_layer} / {@code n_head}; the
 * config is kept (and saved) under the names transformers writes.
 *
 * <pre>{@code
 * BloomConfig c = BloomConfig.named("bigscience/bloomz-560m");   // shipped config, no weights
 * BloomConfig tiny = BloomConfig.builder().set("hidden_size", 24).set("n_head", 6).set("vocab_size", 64).build();
 * }</pre>
 */
public final class BloomConfig extends PretrainedConfig {

    private static final ConfigKey<Integer> N_LAYER =
            ConfigKey.layersAtLeastOne("n_layer", 2).standsFor(NUM_HIDDEN_LAYERS);
    private static final ConfigKey<Integer> N_HEAD = ConfigKey.size("n_head", 8).standsFor(NUM_ATTENTION_HEADS);
    private static final ConfigKey<Double> LAYER_NORM_EPSILON = ConfigKey.positive("layer_norm_epsilon", 1e-5);
    private static final ConfigKey<Boolean> APPLY_RESIDUAL_CONNECTION_POST_LAYERNORM =
            ConfigKey.flag("apply_residual_connection_post_layernorm", false);
    private static final ConfigKey<Double> HIDDEN_DROPOUT = ConfigKey.probability("hidden_dropout", 0.0);
    private static final ConfigKey<Double> ATTENTION_DROPOUT = ConfigKey.probability("attention_dropout", 0.0);
    private static final ConfigKey<Integer> PRETRAINING_TP = ConfigKey.size("pretraining_tp", 1);
    private static final ConfigKey<Boolean> SLOW_BUT_EXACT = ConfigKey.flag("slow_but_exact", false);

    private static final Schema SCHEMA = Schema.of(
            "bloom",
            "Bloom",
            "BloomForCausalLM",
            List.of("bigscience/bloomz-560m"),
            VOCAB_SIZE.defaultsTo(250880),
            HIDDEN_SIZE.defaultsTo(64),
            N_LAYER,
            N_HEAD,
            LAYER_NORM_EPSILON,
            INITIALIZER_RANGE,
            BOS_TOKEN_ID.defaultsTo(1),
            EOS_TOKEN_ID.defaultsTo(2),
            PAD_TOKEN_ID,
            APPLY_RESIDUAL_CONNECTION_POST_LAYERNORM,
            HIDDEN_DROPOUT,
            ATTENTION_DROPOUT,
            PRETRAINING_TP,
            SLOW_BUT_EXACT);

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public BloomConfig(ObjectNode json) {
        super(canonical(json), SCHEMA);
        requireDivisible(HIDDEN_SIZE, N_HEAD);
    }

    /**
     * transformers' spelling of the fields: {@code n_embed} becomes {@code hidden_size} (BloomConfig pops it), and
     * the {@code attribute_map} aliases {@code num_hidden_layers} / {@code num_attention_heads} are stored as {@code
     * n_layer} / {@code n_head}, which win over those fields as transformers' attribute setter makes them.
     */
    private static ObjectNode canonical(ObjectNode json) {
        ObjectNode c = json.deepCopy();
        JsonNode embed = c.remove("n_embed");
        if (embed != null && !embed.isNull()) {
            c.set("hidden_size", embed);
        }
        rename(c, "num_hidden_layers", "n_layer");
        rename(c, "num_attention_heads", "n_head");
        return c;
    }

    private static void rename(ObjectNode c, String alias, String name) {
        JsonNode v = c.remove(alias);
        if (v != null) {
            c.set(name, v);
        }
    }

    /** Reads {@code dir/config.json}. */
    public static BloomConfig fromPretrained(Path dir) {
        return new BloomConfig(readJson(dir));
    }

    /** A published configuration shipped with peft4j ({@code bigscience/bloomz-560m}): no weights. */
    public static BloomConfig named(String modelId) {
        return new BloomConfig(SCHEMA.shippedJson(modelId));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<BloomConfig> builder() {
        return SCHEMA.builder(BloomConfig::new);
    }

    /** The number of blocks ({@code n_layer}, transformers' {@code num_hidden_layers}). */
    public int nLayer() {
        return get(N_LAYER);
    }

    /** The number of attention heads ({@code n_head}, transformers' {@code num_attention_heads}). */
    public int nHead() {
        return get(N_HEAD);
    }

    public int headDim() {
        return hiddenSize() / nHead();
    }

    public double layerNormEpsilon() {
        return get(LAYER_NORM_EPSILON);
    }

    /** Whether each residual branch adds the layer-normed input instead of the input itself. */
    public boolean applyResidualConnectionPostLayernorm() {
        return get(APPLY_RESIDUAL_CONNECTION_POST_LAYERNORM);
    }

    public double hiddenDropout() {
        return get(HIDDEN_DROPOUT);
    }

    public double attentionDropout() {
        return get(ATTENTION_DROPOUT);
    }

    /**
     * Megatron's tensor-parallel degree of pretraining. With {@code slow_but_exact} transformers splits the output
     * projections into that many slices and sums them; that is the same product, so peft4j computes it in one piece.
     */
    public int pretrainingTp() {
        return get(PRETRAINING_TP);
    }

    public boolean slowButExact() {
        return get(SLOW_BUT_EXACT);
    }
}
