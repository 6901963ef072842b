package ai.peft4j.models.bloom;

import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

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

    private final int vocabSize;
    private final int hiddenSize;
    private final int nLayer;
    private final int nHead;
    private final double layerNormEpsilon;
    private final double initializerRange;
    private final int bosTokenId;
    private final int eosTokenId;
    private final Integer padTokenId;
    private final boolean applyResidualConnectionPostLayernorm;
    private final double hiddenDropout;
    private final double attentionDropout;
    private final int pretrainingTp;
    private final boolean slowButExact;

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public BloomConfig(ObjectNode json) {
        super(canonical(json));
        String type = modelType();
        if (type != null && !type.equals("bloom")) {
            throw new IllegalArgumentException("not a Bloom config: model_type is '" + type + "'");
        }
        vocabSize = int32("vocab_size", 250880);
        hiddenSize = int32("hidden_size", 64);
        nLayer = int32("n_layer", 2);
        nHead = int32("n_head", 8);
        layerNormEpsilon = number("layer_norm_epsilon", 1e-5);
        initializerRange = number("initializer_range", 0.02);
        bosTokenId = int32("bos_token_id", 1);
        eosTokenId = int32("eos_token_id", 2);
        Long pad = optInteger("pad_token_id");
        padTokenId = pad == null ? null : Math.toIntExact(pad);
        applyResidualConnectionPostLayernorm = bool("apply_residual_connection_post_layernorm", false);
        hiddenDropout = number("hidden_dropout", 0.0);
        attentionDropout = number("attention_dropout", 0.0);
        pretrainingTp = int32("pretraining_tp", 1);
        slowButExact = bool("slow_but_exact", false);
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("n_layer", nLayer);
        requirePositive("n_head", nHead);
        requirePositive("pretraining_tp", pretrainingTp);
        requireDivisible("hidden_size", hiddenSize, "n_head", nHead);
        requirePositive("layer_norm_epsilon", layerNormEpsilon);
        requireProbability("hidden_dropout", hiddenDropout);
        requireProbability("attention_dropout", attentionDropout);
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
        return new BloomConfig(shipped("bloom", modelId, "bigscience/bloomz-560m"));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<BloomConfig> builder() {
        return new Builder<>("bloom", "BloomForCausalLM", BloomConfig::new);
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** The number of blocks ({@code n_layer}, transformers' {@code num_hidden_layers}). */
    public int nLayer() {
        return nLayer;
    }

    /** The number of attention heads ({@code n_head}, transformers' {@code num_attention_heads}). */
    public int nHead() {
        return nHead;
    }

    public int headDim() {
        return hiddenSize / nHead;
    }

    public double layerNormEpsilon() {
        return layerNormEpsilon;
    }

    public double initializerRange() {
        return initializerRange;
    }

    public int bosTokenId() {
        return bosTokenId;
    }

    /** {@inheritDoc} {@code BloomConfig}'s: 2. */
    @Override
    public Integer defaultEosTokenId() {
        return 2;
    }

    public int eosTokenId() {
        return eosTokenId;
    }

    /** The padding token id, or null (BloomConfig has none by default). */
    public Integer padTokenId() {
        return padTokenId;
    }

    /** Whether each residual branch adds the layer-normed input instead of the input itself. */
    public boolean applyResidualConnectionPostLayernorm() {
        return applyResidualConnectionPostLayernorm;
    }

    public double hiddenDropout() {
        return hiddenDropout;
    }

    public double attentionDropout() {
        return attentionDropout;
    }

    /**
     * Megatron's tensor-parallel degree of pretraining. With {@code slow_but_exact} transformers splits the output
     * projections into that many slices and sums them; that is the same product, so peft4j computes it in one piece.
     */
    public int pretrainingTp() {
        return pretrainingTp;
    }

    public boolean slowButExact() {
        return slowButExact;
    }
}
