package ai.peft4j.models.opt;

import ai.peft4j.models.ConfigKey;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code OPTConfig}: every field with the same name and default. Unknown fields
 * are kept and saved back.
 *
 * <pre>{@code
 * OptConfig c = OptConfig.fromPretrained(Path.of("tiny_opt"));
 * OptConfig big = OptConfig.named("facebook/opt-350m");   // shipped config, no weights
 * OptConfig tiny = OptConfig.builder().set("hidden_size", 16).set("num_hidden_layers", 2).build();
 * }</pre>
 */
public final class OptConfig extends PretrainedConfig {

    private static final ConfigKey<Integer> FFN_DIM = ConfigKey.size("ffn_dim", 3072);
    // The position table has max_position_embeddings + 2 rows (fairseq's offset).
    private static final ConfigKey<Integer> MAX_POSITION_EMBEDDINGS = ConfigKey.size("max_position_embeddings", 2048);
    private static final ConfigKey<Boolean> DO_LAYER_NORM_BEFORE = ConfigKey.flag("do_layer_norm_before", true);
    private static final ConfigKey<Boolean> REMOVE_FINAL_LAYER_NORM = ConfigKey.flag("_remove_final_layer_norm", false);
    private static final ConfigKey<Integer> WORD_EMBED_PROJ_DIM =
            ConfigKey.size("word_embed_proj_dim", null).defaultsTo(HIDDEN_SIZE);
    private static final ConfigKey<Double> DROPOUT = ConfigKey.number("dropout", 0.1);
    private static final ConfigKey<Double> ATTENTION_DROPOUT = ConfigKey.number("attention_dropout", 0.0);
    private static final ConfigKey<String> ACTIVATION_FUNCTION = ConfigKey.string("activation_function", "relu")
            .check(OptConfig::supported, a -> "'" + a + "' is not supported; use relu, gelu or silu");
    private static final ConfigKey<Double> INIT_STD = ConfigKey.number("init_std", 0.02);
    private static final ConfigKey<Boolean> ENABLE_BIAS = ConfigKey.flag("enable_bias", true);
    private static final ConfigKey<Boolean> LAYER_NORM_ELEMENTWISE_AFFINE =
            ConfigKey.flag("layer_norm_elementwise_affine", true);

    private static final Schema SCHEMA = Schema.of(
            "opt",
            "OPT",
            "OPTForCausalLM",
            List.of("facebook/opt-125m", "facebook/opt-350m"),
            VOCAB_SIZE.defaultsTo(50272),
            HIDDEN_SIZE.defaultsTo(768),
            ConfigKey.layers(NUM_HIDDEN_LAYERS.name(), 12),
            FFN_DIM,
            MAX_POSITION_EMBEDDINGS,
            DO_LAYER_NORM_BEFORE,
            REMOVE_FINAL_LAYER_NORM,
            WORD_EMBED_PROJ_DIM,
            DROPOUT,
            ATTENTION_DROPOUT,
            NUM_ATTENTION_HEADS.defaultsTo(12),
            ACTIVATION_FUNCTION,
            INIT_STD,
            PAD_TOKEN_ID.defaultsTo(1),
            EOS_TOKEN_ID.defaultsTo(2),
            ENABLE_BIAS,
            LAYER_NORM_ELEMENTWISE_AFFINE);

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public OptConfig(ObjectNode json) {
        super(json, SCHEMA);
        requireDivisible(HIDDEN_SIZE, NUM_ATTENTION_HEADS);
        requirePaddingRow();
    }

    private static boolean supported(String activation) {
        try {
            OptDecoderLayer.activation(activation); // fail here, not when the layers are built
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Reads {@code dir/config.json}. */
    public static OptConfig fromPretrained(Path dir) {
        return new OptConfig(readJson(dir));
    }

    /**
     * A published configuration shipped with peft4j ({@code facebook/opt-125m}, {@code
     * facebook/opt-350m}): the architecture only, no weights.
     */
    public static OptConfig named(String modelId) {
        return new OptConfig(SCHEMA.shippedJson(modelId));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<OptConfig> builder() {
        return SCHEMA.builder(OptConfig::new);
    }

    public int ffnDim() {
        return get(FFN_DIM);
    }

    public int maxPositionEmbeddings() {
        return get(MAX_POSITION_EMBEDDINGS);
    }

    /** Pre-LN (true, most OPT sizes) or post-LN (false, opt-350m). */
    public boolean doLayerNormBefore() {
        return get(DO_LAYER_NORM_BEFORE);
    }

    /** Whether the decoder has a final layer norm (pre-LN models, unless removed). */
    public boolean hasFinalLayerNorm() {
        return doLayerNormBefore() && !get(REMOVE_FINAL_LAYER_NORM);
    }

    public int wordEmbedProjDim() {
        return get(WORD_EMBED_PROJ_DIM);
    }

    public double dropout() {
        return get(DROPOUT);
    }

    public double attentionDropout() {
        return get(ATTENTION_DROPOUT);
    }

    public String activationFunction() {
        return get(ACTIVATION_FUNCTION);
    }

    /** {@inheritDoc} OPT calls it {@code init_std}. */
    @Override
    public double initializerRange() {
        return get(INIT_STD);
    }

    public double initStd() {
        return get(INIT_STD);
    }

    public boolean enableBias() {
        return get(ENABLE_BIAS);
    }

    public boolean layerNormElementwiseAffine() {
        return get(LAYER_NORM_ELEMENTWISE_AFFINE);
    }
}
