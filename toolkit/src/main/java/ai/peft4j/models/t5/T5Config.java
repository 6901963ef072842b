package ai.peft4j.models.t5;

import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Set;

/**
 * transformers' {@code T5Config} and {@code MT5Config} (model_type {@code t5} / {@code mt5}): every field with the
 * same name and default. The two differ only in their defaults (mT5: vocabulary 250112, {@code d_ff} 1024, 8 layers,
 * 6 heads, gated-gelu, untied head). Unknown fields are kept and saved back. {@code feed_forward_proj} is read as
 * transformers reads it: {@code "relu"} or {@code "gated-gelu"} (t5 v1.1, mT5), where {@code gated-gelu} means the
 * tanh-approximated {@code gelu_new}.
 *
 * <pre>{@code
 * T5Config c = T5Config.named("bigscience/mt0-large");        // shipped config, no weights
 * T5Config tiny = T5Config.builder().set("d_model", 16).set("d_kv", 8).set("num_heads", 2).build();
 * }</pre>
 */
public final class T5Config extends PretrainedConfig {

    private static final Set<String> ACTIVATIONS = Set.of("relu", "gelu_new", "gelu", "silu");
    private static final String SHIPPED = "t5-small, t5-base, t5-large, bigscience/mt0-large";

    private final boolean mt5;
    private final int vocabSize;
    private final int dModel;
    private final int dKv;
    private final int dFf;
    private final int numLayers;
    private final int numDecoderLayers;
    private final int numHeads;
    private final int relativeAttentionNumBuckets;
    private final int relativeAttentionMaxDistance;
    private final double dropoutRate;
    private final double layerNormEpsilon;
    private final double initializerFactor;
    private final String feedForwardProj;
    private final String denseActFn;
    private final boolean gatedAct;
    private final int padTokenId;
    private final int eosTokenId;
    private final int decoderStartTokenId;

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults for its model type. */
    public T5Config(ObjectNode json) {
        super(encoderDecoder(json));
        String type = modelType();
        if (type != null && !type.equals("t5") && !type.equals("mt5")) {
            throw new ModelConfigException("model_type", "not a T5 or mT5 config: model_type is '" + type + "'");
        }
        mt5 = "mt5".equals(type);
        vocabSize = int32("vocab_size", mt5 ? 250112 : 32128);
        dModel = int32("d_model", 512);
        dKv = int32("d_kv", 64);
        dFf = int32("d_ff", mt5 ? 1024 : 2048);
        numLayers = int32("num_layers", mt5 ? 8 : 6);
        numDecoderLayers = int32("num_decoder_layers", numLayers);
        numHeads = int32("num_heads", mt5 ? 6 : 8);
        relativeAttentionNumBuckets = int32("relative_attention_num_buckets", 32);
        relativeAttentionMaxDistance = int32("relative_attention_max_distance", 128);
        dropoutRate = number("dropout_rate", 0.1);
        layerNormEpsilon = number("layer_norm_epsilon", 1e-6);
        initializerFactor = number("initializer_factor", 1.0);
        feedForwardProj = string("feed_forward_proj", mt5 ? "gated-gelu" : "relu");
        padTokenId = int32("pad_token_id", 0);
        eosTokenId = int32("eos_token_id", 1);
        decoderStartTokenId = int32("decoder_start_token_id", 0);
        String[] parts = feedForwardProj.split("-");
        boolean gated = parts[0].equals("gated");
        if (parts.length > 2 || (parts.length > 1 && !gated)) {
            throw new ModelConfigException(
                    "feed_forward_proj",
                    "`feed_forward_proj`: " + feedForwardProj + " is not a valid activation "
                            + "function of the dense layer; use '{ACT_FN}' or 'gated-{ACT_FN}', e.g. 'relu' or 'gated-gelu'");
        }
        gatedAct = gated;
        String act = parts[parts.length - 1];
        denseActFn = feedForwardProj.equals("gated-gelu") ? "gelu_new" : act; // transformers' backwards-compatibility
        if (!ACTIVATIONS.contains(denseActFn)) {
            throw new ModelConfigException(
                    "feed_forward_proj",
                    "feed_forward_proj '" + feedForwardProj + "': activation '" + denseActFn
                            + "' is not supported by peft4j; supported: " + ACTIVATIONS);
        }
        requirePositive("vocab_size", vocabSize);
        requirePositive("d_model", dModel);
        requirePositive("d_kv", dKv);
        requirePositive("d_ff", dFf);
        requirePositive("num_layers", numLayers);
        requirePositive("num_decoder_layers", numDecoderLayers);
        requirePositive("num_heads", numHeads);
        requirePositive("relative_attention_num_buckets", relativeAttentionNumBuckets);
        requirePositive("relative_attention_max_distance", relativeAttentionMaxDistance);
        if (!(dropoutRate >= 0 && dropoutRate <= 1)) {
            throw new ModelConfigException(
                    "dropout_rate",
                    "config field 'dropout_rate' is a dropout probability and must lie in " + "[0, 1], found "
                            + dropoutRate);
        }
        if (!(layerNormEpsilon > 0)) {
            throw new ModelConfigException(
                    "layer_norm_epsilon",
                    "config field 'layer_norm_epsilon' must be positive, found " + layerNormEpsilon);
        }
    }

    /** transformers' T5Config always passes {@code is_encoder_decoder=True}; prompt learning reads it. */
    private static ObjectNode encoderDecoder(ObjectNode json) {
        if (json.has("is_encoder_decoder")) {
            return json;
        }
        ObjectNode c = json.deepCopy();
        c.put("is_encoder_decoder", true);
        return c;
    }

    /** Reads {@code dir/config.json}. */
    public static T5Config fromPretrained(Path dir) {
        return new T5Config(readJson(dir));
    }

    /** A published configuration shipped with peft4j (t5-small, t5-base, t5-large, bigscience/mt0-large): no weights. */
    public static T5Config named(String modelId) {
        return new T5Config(shipped("t5", modelId, SHIPPED));
    }

    /** A builder that starts from transformers' {@code T5Config} defaults. */
    public static Builder<T5Config> builder() {
        return new Builder<>("t5", "T5ForConditionalGeneration", T5Config::new);
    }

    /** A builder that starts from transformers' {@code MT5Config} defaults. */
    public static Builder<T5Config> mt5Builder() {
        return new Builder<>("mt5", "MT5ForConditionalGeneration", T5Config::new);
    }

    /** Whether this is an {@code MT5Config} (model_type {@code mt5}). */
    public boolean isMt5() {
        return mt5;
    }

    /** {@inheritDoc} T5 ties by default, mT5 does not. */
    @Override
    public boolean tieWordEmbeddings() {
        return toJsonNode().has("tie_word_embeddings") ? super.tieWordEmbeddings() : !mt5;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int dModel() {
        return dModel;
    }

    /** The size of each head's keys, queries and values. */
    public int dKv() {
        return dKv;
    }

    public int dFf() {
        return dFf;
    }

    /** The number of encoder blocks. */
    public int numLayers() {
        return numLayers;
    }

    /** The number of decoder blocks ({@code num_layers} when not given). */
    public int numDecoderLayers() {
        return numDecoderLayers;
    }

    public int numHeads() {
        return numHeads;
    }

    /** {@code num_heads * d_kv}, the width of q, k and v. */
    public int innerDim() {
        return numHeads * dKv;
    }

    public int relativeAttentionNumBuckets() {
        return relativeAttentionNumBuckets;
    }

    public int relativeAttentionMaxDistance() {
        return relativeAttentionMaxDistance;
    }

    public double dropoutRate() {
        return dropoutRate;
    }

    public double layerNormEpsilon() {
        return layerNormEpsilon;
    }

    public double initializerFactor() {
        return initializerFactor;
    }

    public String feedForwardProj() {
        return feedForwardProj;
    }

    /** The activation of the feed-forward layer, as transformers derives it ({@code gated-gelu} → {@code gelu_new}). */
    public String denseActFn() {
        return denseActFn;
    }

    /** Whether the feed-forward layer is gated ({@code wi_0}, {@code wi_1}) rather than plain ({@code wi}). */
    public boolean isGatedAct() {
        return gatedAct;
    }

    public int padTokenId() {
        return padTokenId;
    }

    public int eosTokenId() {
        return eosTokenId;
    }

    /** The first decoder input, and what {@code _shift_right} prepends to the labels. */
    public int decoderStartTokenId() {
        return decoderStartTokenId;
    }
}
