package ai.peft4j.models.opt;

import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

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

    private final int vocabSize;
    private final int hiddenSize;
    private final int numHiddenLayers;
    private final int ffnDim;
    private final int maxPositionEmbeddings;
    private final boolean doLayerNormBefore;
    private final boolean removeFinalLayerNorm;
    private final int wordEmbedProjDim;
    private final double dropout;
    private final double attentionDropout;
    private final int numAttentionHeads;
    private final String activationFunction;
    private final double initStd;
    private final Integer padTokenId;
    private final boolean enableBias;
    private final boolean layerNormElementwiseAffine;

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public OptConfig(ObjectNode json) {
        super(json);
        String type = modelType();
        if (type != null && !type.equals("opt")) {
            throw new ModelConfigException("model_type", "not an OPT config: model_type is '" + type + "'");
        }
        vocabSize = positive("vocab_size", 50272);
        hiddenSize = positive("hidden_size", 768);
        numHiddenLayers = layers("num_hidden_layers", 12);
        ffnDim = positive("ffn_dim", 3072);
        // The position table has max_position_embeddings + 2 rows (fairseq's offset).
        maxPositionEmbeddings = positive("max_position_embeddings", 2048);
        doLayerNormBefore = bool("do_layer_norm_before", true);
        removeFinalLayerNorm = bool("_remove_final_layer_norm", false);
        wordEmbedProjDim = positive("word_embed_proj_dim", hiddenSize);
        dropout = number("dropout", 0.1);
        attentionDropout = number("attention_dropout", 0.0);
        numAttentionHeads = positive("num_attention_heads", 12);
        activationFunction = string("activation_function", "relu");
        initStd = number("init_std", 0.02);
        padTokenId = json.has("pad_token_id") && optInteger("pad_token_id") == null ? null : int32("pad_token_id", 1);
        enableBias = bool("enable_bias", true);
        layerNormElementwiseAffine = bool("layer_norm_elementwise_affine", true);
        requireDivisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
        if (padTokenId != null) {
            requirePaddingRow("pad_token_id", padTokenId, "vocab_size", vocabSize);
        }
        try {
            OptDecoderLayer.activation(activationFunction); // fail here, not when the layers are built
        } catch (IllegalArgumentException e) {
            throw invalid(
                    "activation_function",
                    "'" + activationFunction + "' is not supported; use" + " relu, gelu or silu");
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
        return new OptConfig(shipped("opt", modelId, "facebook/opt-125m, facebook/opt-350m"));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<OptConfig> builder() {
        return new Builder<>("opt", "OPTForCausalLM", OptConfig::new);
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int numHiddenLayers() {
        return numHiddenLayers;
    }

    public int ffnDim() {
        return ffnDim;
    }

    public int maxPositionEmbeddings() {
        return maxPositionEmbeddings;
    }

    /** Pre-LN (true, most OPT sizes) or post-LN (false, opt-350m). */
    public boolean doLayerNormBefore() {
        return doLayerNormBefore;
    }

    /** Whether the decoder has a final layer norm (pre-LN models, unless removed). */
    public boolean hasFinalLayerNorm() {
        return doLayerNormBefore && !removeFinalLayerNorm;
    }

    public int wordEmbedProjDim() {
        return wordEmbedProjDim;
    }

    public double dropout() {
        return dropout;
    }

    public double attentionDropout() {
        return attentionDropout;
    }

    public int numAttentionHeads() {
        return numAttentionHeads;
    }

    public String activationFunction() {
        return activationFunction;
    }

    /** {@inheritDoc} {@code OPTConfig}'s: 2. */
    @Override
    public Integer defaultEosTokenId() {
        return 2;
    }

    /** {@inheritDoc} {@code OPTConfig}'s: 1. */
    @Override
    public Integer defaultPadTokenId() {
        return 1;
    }

    /** {@inheritDoc} OPT calls it {@code init_std}. */
    @Override
    public double initializerRange() {
        return initStd;
    }

    public double initStd() {
        return initStd;
    }

    /** The padding token id, or null. */
    public Integer padTokenId() {
        return padTokenId;
    }

    public boolean enableBias() {
        return enableBias;
    }

    public boolean layerNormElementwiseAffine() {
        return layerNormElementwiseAffine;
    }
}
