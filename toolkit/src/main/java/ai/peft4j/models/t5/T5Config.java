package ai.peft4j.models.t5;

import ai.peft4j.models.ConfigKey;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
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

    private static final ConfigKey<Integer> D_MODEL =
            ConfigKey.size("d_model", 512).standsFor(HIDDEN_SIZE);
    private static final ConfigKey<Integer> D_KV = ConfigKey.size("d_kv", 64);
    private static final ConfigKey<Integer> D_FF = ConfigKey.size("d_ff", 2048);
    private static final ConfigKey<Integer> NUM_LAYERS =
            ConfigKey.layersAtLeastOne("num_layers", 6).standsFor(NUM_HIDDEN_LAYERS);
    private static final ConfigKey<Integer> NUM_DECODER_LAYERS =
            ConfigKey.layersAtLeastOne("num_decoder_layers", null).defaultsTo(NUM_LAYERS);
    private static final ConfigKey<Integer> NUM_HEADS =
            ConfigKey.size("num_heads", 8).standsFor(NUM_ATTENTION_HEADS);
    private static final ConfigKey<Integer> RELATIVE_ATTENTION_NUM_BUCKETS =
            ConfigKey.size("relative_attention_num_buckets", 32);
    private static final ConfigKey<Integer> RELATIVE_ATTENTION_MAX_DISTANCE =
            ConfigKey.size("relative_attention_max_distance", 128);
    private static final ConfigKey<Double> DROPOUT_RATE = ConfigKey.probability("dropout_rate", 0.1);
    private static final ConfigKey<Double> LAYER_NORM_EPSILON = ConfigKey.positive("layer_norm_epsilon", 1e-6);
    private static final ConfigKey<Double> INITIALIZER_FACTOR = ConfigKey.number("initializer_factor", 1.0);
    private static final ConfigKey<String> FEED_FORWARD_PROJ = ConfigKey.string("feed_forward_proj", "relu")
            .check(
                    p -> p.split("-").length == 1 || (p.split("-").length == 2 && isGated(p)),
                    p -> "(" + p + ") is not a valid activation function of the dense layer;"
                            + " use '{ACT_FN}' or 'gated-{ACT_FN}', e.g. 'relu' or 'gated-gelu'")
            .check(
                    p -> ACTIVATIONS.contains(denseActFn(p)),
                    p -> "'" + p + "': activation '" + denseActFn(p) + "' is not supported by peft4j; supported: "
                            + ACTIVATIONS);
    private static final ConfigKey<Integer> DECODER_START_TOKEN_ID = ConfigKey.int32("decoder_start_token_id", 0);

    private static final Schema T5 = Schema.of(
            "t5",
            "T5",
            "T5ForConditionalGeneration",
            List.of("t5-small", "t5-base", "t5-large", "bigscience/mt0-large"),
            VOCAB_SIZE.defaultsTo(32128),
            D_MODEL,
            D_KV,
            D_FF,
            NUM_LAYERS,
            NUM_DECODER_LAYERS,
            NUM_HEADS,
            RELATIVE_ATTENTION_NUM_BUCKETS,
            RELATIVE_ATTENTION_MAX_DISTANCE,
            DROPOUT_RATE,
            LAYER_NORM_EPSILON,
            INITIALIZER_FACTOR,
            FEED_FORWARD_PROJ,
            // Never null: the decoder's first input and the labels' padding.
            ConfigKey.int32(PAD_TOKEN_ID.name(), 0),
            ConfigKey.int32(EOS_TOKEN_ID.name(), 1),
            DECODER_START_TOKEN_ID,
            TIE_WORD_EMBEDDINGS);
    /** transformers' {@code MT5Config}: T5's keys with mT5's defaults. */
    private static final Schema MT5 = T5.forModelType("mt5", "MT5ForConditionalGeneration")
            .with(
                    VOCAB_SIZE.defaultsTo(250112),
                    D_FF.defaultsTo(1024),
                    NUM_LAYERS.defaultsTo(8),
                    NUM_HEADS.defaultsTo(6),
                    FEED_FORWARD_PROJ.defaultsTo("gated-gelu"),
                    TIE_WORD_EMBEDDINGS.defaultsTo(false));

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults for its model type. */
    public T5Config(ObjectNode json) {
        super(encoderDecoder(json), "mt5".equals(json.path("model_type").asText()) ? MT5 : T5);
    }

    private static boolean isGated(String feedForwardProj) {
        return feedForwardProj.startsWith("gated-");
    }

    /** transformers' backwards-compatibility: {@code gated-gelu} means the tanh GELU. */
    private static String denseActFn(String feedForwardProj) {
        String[] parts = feedForwardProj.split("-");
        return feedForwardProj.equals("gated-gelu") ? "gelu_new" : parts[parts.length - 1];
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
        return new T5Config(T5.shippedJson(modelId));
    }

    /** A builder that starts from transformers' {@code T5Config} defaults. */
    public static Builder<T5Config> builder() {
        return T5.builder(T5Config::new);
    }

    /** A builder that starts from transformers' {@code MT5Config} defaults. */
    public static Builder<T5Config> mt5Builder() {
        return MT5.builder(T5Config::new);
    }

    /** Whether this is an {@code MT5Config} (model_type {@code mt5}). */
    public boolean isMt5() {
        return "mt5".equals(modelType());
    }

    public int dModel() {
        return get(D_MODEL);
    }

    /** The size of each head's keys, queries and values. */
    public int dKv() {
        return get(D_KV);
    }

    public int dFf() {
        return get(D_FF);
    }

    /** The number of encoder blocks. */
    public int numLayers() {
        return get(NUM_LAYERS);
    }

    /** The number of decoder blocks ({@code num_layers} when not given). */
    public int numDecoderLayers() {
        return get(NUM_DECODER_LAYERS);
    }

    public int numHeads() {
        return get(NUM_HEADS);
    }

    /** {@code num_heads * d_kv}, the width of q, k and v. */
    public int innerDim() {
        return numHeads() * dKv();
    }

    public int relativeAttentionNumBuckets() {
        return get(RELATIVE_ATTENTION_NUM_BUCKETS);
    }

    public int relativeAttentionMaxDistance() {
        return get(RELATIVE_ATTENTION_MAX_DISTANCE);
    }

    public double dropoutRate() {
        return get(DROPOUT_RATE);
    }

    public double layerNormEpsilon() {
        return get(LAYER_NORM_EPSILON);
    }

    public double initializerFactor() {
        return get(INITIALIZER_FACTOR);
    }

    public String feedForwardProj() {
        return get(FEED_FORWARD_PROJ);
    }

    /** The activation of the feed-forward layer, as transformers derives it ({@code gated-gelu} → {@code gelu_new}). */
    public String denseActFn() {
        return denseActFn(feedForwardProj());
    }

    /** Whether the feed-forward layer is gated ({@code wi_0}, {@code wi_1}) rather than plain ({@code wi}). */
    public boolean isGatedAct() {
        return isGated(feedForwardProj());
    }

    /** The first decoder input, and what {@code _shift_right} prepends to the labels. */
    public int decoderStartTokenId() {
        return get(DECODER_START_TOKEN_ID);
    }
}
