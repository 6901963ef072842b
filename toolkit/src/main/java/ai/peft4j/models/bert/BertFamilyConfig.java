package ai.peft4j.models.bert;

import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PretrainedConfig;
import ai.peft4j.nn.Activations;
import com.fasterxml.jackson.databind.node.ObjectNode;

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

    private final int vocabSize;
    private final int hiddenSize;
    private final int numHiddenLayers;
    private final int numAttentionHeads;
    private final int intermediateSize;
    private final String hiddenAct;
    private final double hiddenDropoutProb;
    private final double attentionProbsDropoutProb;
    private final int maxPositionEmbeddings;
    private final int typeVocabSize;
    private final double initializerRange;
    private final double layerNormEps;
    private final String positionEmbeddingType;
    private final Double classifierDropout;

    /**
     * Reads and checks the shared fields of {@code json}.
     *
     * @param modelType the {@code model_type} this family accepts ({@code bert}, {@code roberta})
     * @param family the family's name in messages ({@code BERT}, {@code RoBERTa})
     * @param defaultVocabSize transformers' {@code vocab_size} default for the family
     */
    protected BertFamilyConfig(ObjectNode json, String modelType, String family, int defaultVocabSize) {
        super(json);
        String type = modelType();
        if (type != null && !type.equals(modelType)) {
            throw new ModelConfigException("model_type", "not a " + family + " config: model_type is '" + type + "'");
        }
        vocabSize = int32("vocab_size", defaultVocabSize);
        hiddenSize = int32("hidden_size", 768);
        numHiddenLayers = int32("num_hidden_layers", 12);
        numAttentionHeads = int32("num_attention_heads", 12);
        intermediateSize = int32("intermediate_size", 3072);
        hiddenAct = string("hidden_act", "gelu");
        hiddenDropoutProb = number("hidden_dropout_prob", 0.1);
        attentionProbsDropoutProb = number("attention_probs_dropout_prob", 0.1);
        maxPositionEmbeddings = int32("max_position_embeddings", 512);
        typeVocabSize = int32("type_vocab_size", 2);
        initializerRange = number("initializer_range", 0.02);
        layerNormEps = number("layer_norm_eps", 1e-12);
        positionEmbeddingType = string("position_embedding_type", "absolute");
        classifierDropout = json.hasNonNull("classifier_dropout") ? number("classifier_dropout", 0) : null;

        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("num_hidden_layers", numHiddenLayers);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("max_position_embeddings", maxPositionEmbeddings);
        requirePositive("type_vocab_size", typeVocabSize);
        requireDivisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
        if (!positionEmbeddingType.equals("absolute")) {
            throw new ModelConfigException(
                    "position_embedding_type",
                    "position_embedding_type '" + positionEmbeddingType + "' is not supported; peft4j implements "
                            + family + "'s 'absolute' positions");
        }
        requirePositive("layer_norm_eps", layerNormEps);
        requireProbability("hidden_dropout_prob", hiddenDropoutProb);
        requireProbability("attention_probs_dropout_prob", attentionProbsDropoutProb);
        if (classifierDropout != null) {
            requireProbability("classifier_dropout", classifierDropout);
        }
        Activations.byName(hiddenAct, "hidden_act"); // fail early on an unknown activation
        if (numLabels() < 1) {
            throw new ModelConfigException("num_labels", "num_labels must be at least 1, got " + numLabels());
        }
        problemType(); // validates
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

    public int numAttentionHeads() {
        return numAttentionHeads;
    }

    public int intermediateSize() {
        return intermediateSize;
    }

    /** The MLP activation: {@code gelu} (exact), {@code gelu_new} (tanh), {@code relu}, {@code silu}. */
    public String hiddenAct() {
        return hiddenAct;
    }

    public double hiddenDropoutProb() {
        return hiddenDropoutProb;
    }

    public double attentionProbsDropoutProb() {
        return attentionProbsDropoutProb;
    }

    public int maxPositionEmbeddings() {
        return maxPositionEmbeddings;
    }

    public int typeVocabSize() {
        return typeVocabSize;
    }

    public double initializerRange() {
        return initializerRange;
    }

    public double layerNormEps() {
        return layerNormEps;
    }

    /** Always {@code "absolute"} (the only kind peft4j implements). */
    public String positionEmbeddingType() {
        return positionEmbeddingType;
    }

    /** The task heads' dropout, or null to use {@code hidden_dropout_prob}. */
    public Double classifierDropout() {
        return classifierDropout;
    }

    /** {@code classifier_dropout}, or {@code hidden_dropout_prob} when it is null, as the task heads use it. */
    public double headDropout() {
        return classifierDropout != null ? classifierDropout : hiddenDropoutProb;
    }
}
