package ai.peft4j.models.bert;

import ai.peft4j.models.ConfigKey;
import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The fields and checks that transformers' {@code BertConfig} and {@code RobertaConfig} share (RoBERTa's config is
 * BERT's with other defaults), and what the shared encoder blocks ({@link BertSelfAttention} to {@link
 * BertEncoder}) read. Each subclass adds its padding and its own defaults.
 *
 * <pre>{@code
 * BertFamilyConfig c = RobertaConfig.named("roberta-base");
 * int headDim = c.hiddenSize() / c.numAttentionHeads();
 * }</pre>
 */
public abstract class BertFamilyConfig extends PretrainedConfig {

    private static final ConfigKey<Integer> INTERMEDIATE_SIZE = ConfigKey.size("intermediate_size", 3072);
    private static final ConfigKey<String> HIDDEN_ACT = ConfigKey.activation("hidden_act", "gelu");
    private static final ConfigKey<Double> HIDDEN_DROPOUT_PROB = ConfigKey.probability("hidden_dropout_prob", 0.1);
    private static final ConfigKey<Double> ATTENTION_PROBS_DROPOUT_PROB =
            ConfigKey.probability("attention_probs_dropout_prob", 0.1);
    private static final ConfigKey<Integer> MAX_POSITION_EMBEDDINGS = ConfigKey.size("max_position_embeddings", 512);
    private static final ConfigKey<Integer> TYPE_VOCAB_SIZE = ConfigKey.size("type_vocab_size", 2);
    private static final ConfigKey<Double> LAYER_NORM_EPS = ConfigKey.positive("layer_norm_eps", 1e-12);
    private static final ConfigKey<String> POSITION_EMBEDDING_TYPE = ConfigKey.string(
                    "position_embedding_type", "absolute")
            .check("absolute"::equals, t -> "is '" + t + "', which is not supported; peft4j implements 'absolute'");
    /** Null: the heads use {@code hidden_dropout_prob}. */
    private static final ConfigKey<Double> CLASSIFIER_DROPOUT =
            ConfigKey.probability("classifier_dropout", null).nullable();

    /**
     * The family's keys, with {@code own} (the subclass's padding and token ids) after them.
     *
     * @param modelType the {@code model_type} the subclass accepts ({@code bert}, {@code roberta})
     * @param name the family's name in messages ({@code BERT}, {@code RoBERTa})
     * @param architecture the class its builder names in {@code architectures}
     * @param shipped the model ids of the shipped configurations
     * @param vocabSize transformers' {@code vocab_size} default for the family
     */
    protected static Schema familySchema(
            String modelType,
            String name,
            String architecture,
            List<String> shipped,
            int vocabSize,
            ConfigKey<?>... own) {
        return Schema.of(
                        modelType,
                        name,
                        architecture,
                        shipped,
                        VOCAB_SIZE.defaultsTo(vocabSize),
                        HIDDEN_SIZE.defaultsTo(768),
                        NUM_HIDDEN_LAYERS.defaultsTo(12),
                        NUM_ATTENTION_HEADS.defaultsTo(12),
                        INTERMEDIATE_SIZE,
                        HIDDEN_ACT,
                        HIDDEN_DROPOUT_PROB,
                        ATTENTION_PROBS_DROPOUT_PROB,
                        MAX_POSITION_EMBEDDINGS,
                        TYPE_VOCAB_SIZE,
                        INITIALIZER_RANGE,
                        LAYER_NORM_EPS,
                        POSITION_EMBEDDING_TYPE,
                        CLASSIFIER_DROPOUT)
                .with(own);
    }

    /** Reads and checks the family's keys and the subclass's, all listed in {@code schema}. */
    protected BertFamilyConfig(ObjectNode json, Schema schema) {
        super(json, schema);
        requireDivisible(HIDDEN_SIZE, NUM_ATTENTION_HEADS);
        Integer pad = padTokenId();
        if (pad != null && (pad < 0 || pad >= vocabSize())) {
            throw invalid(
                    "pad_token_id",
                    "(" + pad + ") is the padding row of the word embeddings, so it must lie in [0, vocab_size = "
                            + vocabSize() + ")");
        }
        if (numLabels() < 1) {
            throw new ModelConfigException("num_labels", "num_labels must be at least 1, got " + numLabels());
        }
    }

    public int intermediateSize() {
        return get(INTERMEDIATE_SIZE);
    }

    /** The MLP activation: {@code gelu} (exact), {@code gelu_new} (tanh), {@code relu}, {@code silu}. */
    public String hiddenAct() {
        return get(HIDDEN_ACT);
    }

    public double hiddenDropoutProb() {
        return get(HIDDEN_DROPOUT_PROB);
    }

    public double attentionProbsDropoutProb() {
        return get(ATTENTION_PROBS_DROPOUT_PROB);
    }

    public int maxPositionEmbeddings() {
        return get(MAX_POSITION_EMBEDDINGS);
    }

    public int typeVocabSize() {
        return get(TYPE_VOCAB_SIZE);
    }

    public double layerNormEps() {
        return get(LAYER_NORM_EPS);
    }

    /** Always {@code "absolute"} (the only kind peft4j implements). */
    public String positionEmbeddingType() {
        return get(POSITION_EMBEDDING_TYPE);
    }

    /** The task heads' dropout, or null to use {@code hidden_dropout_prob}. */
    public Double classifierDropout() {
        return get(CLASSIFIER_DROPOUT);
    }

    /** {@code classifier_dropout}, or {@code hidden_dropout_prob} when it is null, as the task heads use it. */
    public double headDropout() {
        Double classifier = classifierDropout();
        return classifier != null ? classifier : hiddenDropoutProb();
    }
}
