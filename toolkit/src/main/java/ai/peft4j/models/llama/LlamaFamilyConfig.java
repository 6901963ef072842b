package ai.peft4j.models.llama;

import ai.peft4j.models.ConfigKey;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

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
            Integer bosTokenId,
            Integer eosTokenId,
            Integer padTokenId) {}

    private static final ConfigKey<Integer> INTERMEDIATE_SIZE = ConfigKey.size("intermediate_size", null);
    private static final ConfigKey<Integer> NUM_KEY_VALUE_HEADS = ConfigKey.size("num_key_value_heads", null);
    /** {@code hidden_act}: the MLP's activation, except in Gemma (see {@link #mlpActivation()}). */
    protected static final ConfigKey<String> HIDDEN_ACT = ConfigKey.activation("hidden_act", null);

    private static final ConfigKey<Integer> MAX_POSITION_EMBEDDINGS = ConfigKey.size("max_position_embeddings", null);
    private static final ConfigKey<Double> RMS_NORM_EPS = ConfigKey.positive("rms_norm_eps", 1e-6);
    private static final ConfigKey<Double> ROPE_THETA = ConfigKey.positive("rope_theta", 10000.0);
    private static final ConfigKey<Double> ATTENTION_DROPOUT = ConfigKey.number("attention_dropout", 0.0)
            .check(p -> p >= 0 && p < 1, p -> "must be in [0, 1), found " + p);
    private static final ConfigKey<Boolean> ATTENTION_BIAS = ConfigKey.flag("attention_bias", false);
    /**
     * {@code sliding_window} (Mistral, Qwen2): 4096 when config.json does not have it, null for none; a family that
     * masks with it lists it in its schema.
     */
    protected static final ConfigKey<Integer> SLIDING_WINDOW =
            ConfigKey.size("sliding_window", 4096).nullable();

    /**
     * The family's keys with one architecture's defaults, and {@code own} (the architecture's other keys, or a shared
     * key it reads otherwise) after them.
     *
     * @param modelType the {@code model_type} the architecture accepts
     * @param name the architecture's name in messages
     * @param architecture the class its builder names in {@code architectures}
     * @param shipped the model ids of the shipped configurations
     */
    protected static Schema familySchema(
            String modelType, String name, String architecture, List<String> shipped, Defaults d, ConfigKey<?>... own) {
        return Schema.of(
                        modelType,
                        name,
                        architecture,
                        shipped,
                        VOCAB_SIZE.defaultsTo(d.vocabSize()),
                        HIDDEN_SIZE.defaultsTo(d.hiddenSize()),
                        INTERMEDIATE_SIZE.defaultsTo(d.intermediateSize()),
                        NUM_HIDDEN_LAYERS.defaultsTo(d.numHiddenLayers()),
                        NUM_ATTENTION_HEADS.defaultsTo(d.numAttentionHeads()),
                        d.numKeyValueHeads() != null
                                ? NUM_KEY_VALUE_HEADS.defaultsTo(d.numKeyValueHeads())
                                : NUM_KEY_VALUE_HEADS.defaultsTo(NUM_ATTENTION_HEADS),
                        HIDDEN_ACT.defaultsTo(d.hiddenAct()),
                        MAX_POSITION_EMBEDDINGS.defaultsTo(d.maxPositionEmbeddings()),
                        INITIALIZER_RANGE,
                        RMS_NORM_EPS.defaultsTo(d.rmsNormEps()),
                        ROPE_THETA,
                        ATTENTION_DROPOUT,
                        ATTENTION_BIAS,
                        TIE_WORD_EMBEDDINGS.defaultsTo(d.tieWordEmbeddings()),
                        PAD_TOKEN_ID.defaultsTo(d.padTokenId()),
                        BOS_TOKEN_ID.defaultsTo(d.bosTokenId()),
                        EOS_TOKEN_ID.defaultsTo(d.eosTokenId()))
                .with(own);
    }

    /**
     * Reads and checks the family's keys and the architecture's, all listed in {@code schema}: a clear error naming
     * the field, rather than a shape error in the first forward pass.
     */
    protected LlamaFamilyConfig(ObjectNode json, Schema schema) {
        super(json, schema);
        derivedHeadDim(); // 4.39 requires it even of Gemma, whose head_dim is its own
        if (headDim() < 1) {
            throw invalid("head_dim", "must be a positive integer, found " + headDim());
        }
        if (headDim() % 2 != 0) {
            // Rotary embeddings rotate pairs of features; transformers fails in the forward pass then.
            String key = toJsonNode().hasNonNull("head_dim") ? "head_dim" : "hidden_size";
            throw invalid(key, "gives the head size " + headDim() + ", which must be even for rotary embeddings");
        }
        requireDivisible(NUM_ATTENTION_HEADS, NUM_KEY_VALUE_HEADS);
        requirePaddingRow();
    }

    /** hidden_size / num_attention_heads, checked to divide evenly, for the families that derive the head size. */
    private int derivedHeadDim() {
        requireDivisible(HIDDEN_SIZE, NUM_ATTENTION_HEADS);
        return hiddenSize() / numAttentionHeads();
    }

    public int intermediateSize() {
        return get(INTERMEDIATE_SIZE);
    }

    /** Key/value heads: fewer than the query heads means grouped-query attention. */
    public int numKeyValueHeads() {
        return get(NUM_KEY_VALUE_HEADS);
    }

    /** The size of one attention head: hidden_size / num_attention_heads unless the family reads {@code head_dim}. */
    public int headDim() {
        return derivedHeadDim();
    }

    /** {@code hidden_act}. */
    public String hiddenAct() {
        return get(HIDDEN_ACT);
    }

    /** The activation of the gated MLP: {@code hidden_act}, unless the family reads another field. */
    public String mlpActivation() {
        return hiddenAct();
    }

    public int maxPositionEmbeddings() {
        return get(MAX_POSITION_EMBEDDINGS);
    }

    public double rmsNormEps() {
        return get(RMS_NORM_EPS);
    }

    public double ropeTheta() {
        return get(ROPE_THETA);
    }

    public double attentionDropout() {
        return get(ATTENTION_DROPOUT);
    }

    /** {@code attention_bias} (Llama, Gemma): biases on all four projections; default false. */
    public boolean attentionBias() {
        return get(ATTENTION_BIAS);
    }

    /** Whether {@code q_proj}, {@code k_proj} and {@code v_proj} have biases: {@link #attentionBias()} by default. */
    public boolean qkvBias() {
        return attentionBias();
    }

    /** Whether {@code o_proj} has a bias: {@link #attentionBias()} by default. */
    public boolean outputBias() {
        return attentionBias();
    }

    /**
     * The sliding window the attention mask applies (transformers 4.39's eager mask), or null for none: {@code
     * sliding_window} in the families that list it (Mistral, Qwen2).
     */
    public Integer slidingWindow() {
        return declares(SLIDING_WINDOW) ? get(SLIDING_WINDOW) : null;
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
