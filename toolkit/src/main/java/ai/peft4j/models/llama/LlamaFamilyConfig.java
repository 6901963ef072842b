package ai.peft4j.models.llama;

import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PretrainedConfig;
import ai.peft4j.nn.Activations;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the Llama-family configs have in common ({@code LlamaConfig}, {@code Qwen2Config}, {@code MistralConfig},
 * {@code GemmaConfig}): each family reads these fields with its own transformers defaults, and says where it departs
 * from Llama (attention biases, a sliding window, Gemma's head size, norm, embedding scale and activation, rotary
 * scaling). {@link LlamaModel} and its blocks are built from this alone.
 *
 * <pre>{@code
 * LlamaFamilyConfig c = Qwen2Config.named("Qwen/Qwen2.5-0.5B");
 * int kvHeads = c.numKeyValueHeads();
 * }</pre>
 */
public abstract class LlamaFamilyConfig extends PretrainedConfig {

    /** A family's transformers defaults for the shared fields ({@code numKeyValueHeads} null: as many as heads). */
    public record Defaults(
            String modelType,
            int vocabSize,
            int hiddenSize,
            int intermediateSize,
            int numHiddenLayers,
            int numAttentionHeads,
            Integer numKeyValueHeads,
            String hiddenAct,
            int maxPositionEmbeddings,
            double rmsNormEps,
            boolean tieWordEmbeddings,
            Integer eosTokenId,
            Integer padTokenId) {}

    private final Defaults defaults;
    private final int vocabSize;
    private final int hiddenSize;
    private final int intermediateSize;
    private final int numHiddenLayers;
    private final int numAttentionHeads;
    private final int numKeyValueHeads;
    private final String hiddenAct;
    private final int maxPositionEmbeddings;
    private final double initializerRange;
    private final double rmsNormEps;
    private final double ropeTheta;
    private final double attentionDropout;
    private final boolean attentionBias;

    /** Reads the shared fields; the subclass reads its own, then calls {@link #validate()}. */
    protected LlamaFamilyConfig(ObjectNode json, Defaults d) {
        super(json);
        this.defaults = d;
        String type = modelType();
        if (type != null && !type.equals(d.modelType())) {
            throw new IllegalArgumentException(
                    "not a " + getClass().getSimpleName().replace("Config", "") + " config: model_type is '" + type
                            + "', expected '" + d.modelType() + "'");
        }
        vocabSize = int32("vocab_size", d.vocabSize());
        hiddenSize = int32("hidden_size", d.hiddenSize());
        intermediateSize = int32("intermediate_size", d.intermediateSize());
        numHiddenLayers = int32("num_hidden_layers", d.numHiddenLayers());
        numAttentionHeads = int32("num_attention_heads", d.numAttentionHeads());
        Long kv = optInteger("num_key_value_heads");
        numKeyValueHeads = kv != null
                ? Math.toIntExact(kv)
                : d.numKeyValueHeads() != null ? d.numKeyValueHeads() : numAttentionHeads;
        hiddenAct = string("hidden_act", d.hiddenAct());
        maxPositionEmbeddings = int32("max_position_embeddings", d.maxPositionEmbeddings());
        initializerRange = number("initializer_range", 0.02);
        rmsNormEps = number("rms_norm_eps", d.rmsNormEps());
        ropeTheta = number("rope_theta", 10000.0);
        attentionDropout = number("attention_dropout", 0.0);
        attentionBias = bool("attention_bias", false);
    }

    /** {@code sliding_window}: 4096 when config.json does not have it (Mistral's and Qwen2's default), null if null. */
    protected final Integer readSlidingWindow() {
        Long window = toJsonNode().has("sliding_window") ? optInteger("sliding_window") : Long.valueOf(4096);
        return window == null ? null : Math.toIntExact(window);
    }

    /**
     * Checks every size and the fields the subclass adds: a clear error naming the field, rather than a shape error
     * in the first forward pass.
     */
    protected void validate() {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("max_position_embeddings", maxPositionEmbeddings);
        positive("head_dim", headDim());
        if (headDim() % 2 != 0) {
            // Rotary embeddings rotate pairs of features; transformers fails in the forward pass then.
            String key = toJsonNode().hasNonNull("head_dim") ? "head_dim" : "hidden_size";
            throw invalid(key, "gives the head size " + headDim() + ", which must be even for rotary embeddings");
        }
        requireDivisible("num_attention_heads", numAttentionHeads, "num_key_value_heads", numKeyValueHeads);
        Integer pad = padTokenId();
        if (pad != null) {
            requirePaddingRow("pad_token_id", pad, "vocab_size", vocabSize);
        }
        if (!(rmsNormEps > 0)) {
            throw invalid("rms_norm_eps", "must be > 0, found " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw invalid("rope_theta", "must be > 0, found " + ropeTheta);
        }
        if (!(attentionDropout >= 0 && attentionDropout < 1)) {
            throw invalid("attention_dropout", "must be in [0, 1), found " + attentionDropout);
        }
        if (slidingWindow() != null) {
            positive("sliding_window", slidingWindow());
        }
        Activations.byName(mlpActivation(), mlpActivationKey());
    }

    /** hidden_size / num_attention_heads, checked to divide evenly, for the families that derive the head size. */
    protected final int derivedHeadDim() {
        requireDivisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
        return hiddenSize / numAttentionHeads;
    }

    static void positive(String key, long value) {
        if (value <= 0) {
            throw new ModelConfigException(
                    key, "config field '" + key + "' must be a positive integer, found " + value);
        }
    }

    /** {@inheritDoc} With this family's default where config.json is silent. */
    @Override
    public boolean tieWordEmbeddings() {
        return bool("tie_word_embeddings", defaults.tieWordEmbeddings());
    }

    /** {@inheritDoc} This family's. */
    @Override
    public Integer defaultEosTokenId() {
        return defaults.eosTokenId();
    }

    /** {@inheritDoc} This family's: the embedding's {@code padding_idx}. */
    @Override
    public Integer defaultPadTokenId() {
        return defaults.padTokenId();
    }

    /** {@code pad_token_id}, or this family's default: the embedding's {@code padding_idx}, as in transformers. */
    public Integer padTokenId() {
        var pad = toJsonNode().get("pad_token_id");
        if (pad == null) {
            return defaultPadTokenId();
        }
        return pad.canConvertToInt() ? pad.intValue() : null;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int intermediateSize() {
        return intermediateSize;
    }

    public int numHiddenLayers() {
        return numHiddenLayers;
    }

    public int numAttentionHeads() {
        return numAttentionHeads;
    }

    /** Key/value heads: fewer than the query heads means grouped-query attention. */
    public int numKeyValueHeads() {
        return numKeyValueHeads;
    }

    /** The size of one attention head: hidden_size / num_attention_heads unless the family reads {@code head_dim}. */
    public int headDim() {
        return derivedHeadDim();
    }

    /** {@code hidden_act}. */
    public String hiddenAct() {
        return hiddenAct;
    }

    /** The activation of the gated MLP: {@code hidden_act}, unless the family reads another field. */
    public String mlpActivation() {
        return hiddenAct;
    }

    /** The config field {@link #mlpActivation()} comes from, for errors. */
    protected String mlpActivationKey() {
        return "hidden_act";
    }

    public int maxPositionEmbeddings() {
        return maxPositionEmbeddings;
    }

    public double initializerRange() {
        return initializerRange;
    }

    public double rmsNormEps() {
        return rmsNormEps;
    }

    public double ropeTheta() {
        return ropeTheta;
    }

    public double attentionDropout() {
        return attentionDropout;
    }

    /** {@code attention_bias} (Llama, Gemma): biases on all four projections; default false. */
    public boolean attentionBias() {
        return attentionBias;
    }

    /** Whether {@code q_proj}, {@code k_proj} and {@code v_proj} have biases: {@link #attentionBias()} by default. */
    public boolean qkvBias() {
        return attentionBias();
    }

    /** Whether {@code o_proj} has a bias: {@link #attentionBias()} by default. */
    public boolean outputBias() {
        return attentionBias();
    }

    /** The sliding window the attention mask applies (transformers 4.39's eager mask), or null for none. */
    public Integer slidingWindow() {
        return null;
    }

    /** Gemma's {@code (1 + weight)} RMS norms. */
    public boolean rmsNormUnitOffset() {
        return false;
    }

    /** Gemma's embedding scale: hidden states times {@code sqrt(hidden_size)} before the first layer. */
    public boolean scalesEmbeddings() {
        return false;
    }

    /** The rotary scaling ({@code rope_scaling}), or null for plain rotary embeddings. */
    public RopeScaling ropeScaling() {
        return null;
    }
}
