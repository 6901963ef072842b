package ai.peft4j.models.bert;

import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * transformers' {@code BertConfig}: every field with the same name and default. Unknown fields are kept and saved
 * back. {@link #numLabels()} and {@link #problemType()} follow transformers' {@code PretrainedConfig} ({@code
 * id2label} or {@code num_labels}, default 2).
 *
 * <pre>{@code
 * BertConfig c = BertConfig.named("bert-base-uncased");   // shipped config, no weights
 * BertConfig tiny = BertConfig.builder().set("hidden_size", 16).set("num_attention_heads", 2).set("num_labels", 5)
 *     .build();
 * }</pre>
 */
public final class BertConfig extends PretrainedConfig {

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
  private final Integer padTokenId;
  private final String positionEmbeddingType;
  private final Double classifierDropout;

  /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
  public BertConfig(ObjectNode json) {
    super(json);
    String type = modelType();
    if (type != null && !type.equals("bert")) {
      throw new IllegalArgumentException("not a BERT config: model_type is '" + type + "'");
    }
    vocabSize = int32("vocab_size", 30522);
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
    // BertConfig passes pad_token_id=0 on; an explicit null means no padding row.
    Long pad = json.has("pad_token_id") ? optInteger("pad_token_id") : Long.valueOf(0);
    padTokenId = pad == null ? null : Math.toIntExact(pad);
    positionEmbeddingType = string("position_embedding_type", "absolute");
    classifierDropout = json.hasNonNull("classifier_dropout") ? number("classifier_dropout", 0) : null;

    requirePositive("vocab_size", vocabSize);
    requirePositive("hidden_size", hiddenSize);
    requirePositive("num_hidden_layers", numHiddenLayers);
    requirePositive("num_attention_heads", numAttentionHeads);
    requirePositive("intermediate_size", intermediateSize);
    requirePositive("max_position_embeddings", maxPositionEmbeddings);
    requirePositive("type_vocab_size", typeVocabSize);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException("hidden_size (" + hiddenSize + ") must be divisible by num_attention_heads ("
          + numAttentionHeads + "): each head gets hidden_size / num_attention_heads features");
    }
    if (!positionEmbeddingType.equals("absolute")) {
      throw new IllegalArgumentException("position_embedding_type '" + positionEmbeddingType
          + "' is not supported; peft4j implements BERT's 'absolute' positions");
    }
    if (padTokenId != null && (padTokenId < 0 || padTokenId >= vocabSize)) {
      throw new IllegalArgumentException("pad_token_id (" + padTokenId + ") is the padding row of the word"
          + " embeddings, so it must lie in [0, vocab_size = " + vocabSize + ")");
    }
    if (!(layerNormEps > 0)) {
      throw new IllegalArgumentException("config field 'layer_norm_eps' must be positive, found " + layerNormEps);
    }
    probability("hidden_dropout_prob", hiddenDropoutProb);
    probability("attention_probs_dropout_prob", attentionProbsDropoutProb);
    if (classifierDropout != null) {
      probability("classifier_dropout", classifierDropout);
    }
    BertIntermediate.activation(hiddenAct); // fail early on an unknown activation
    if (numLabels() < 1) {
      throw new IllegalArgumentException("num_labels must be at least 1, got " + numLabels());
    }
    problemType(); // validates
  }

  private static void requirePositive(String key, int value) {
    if (value < 1) {
      throw new ModelConfigException(key, "config field \'" + key + "\' must be at least 1, found " + value);
    }
  }

  private static void probability(String key, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new ModelConfigException(key, "config field \'" + key + "\' is a dropout probability and must lie in "
          + "[0, 1], found " + p);
    }
  }

  /** Reads {@code dir/config.json}. */
  public static BertConfig fromPretrained(Path dir) {
    return new BertConfig(readJson(dir));
  }

  /**
   * A published configuration shipped with peft4j ({@code bert-base-uncased}): the architecture only, no weights.
   * Like {@code from_pretrained}, the model id becomes {@code _name_or_path}.
   */
  public static BertConfig named(String modelId) {
    return new BertConfig(shipped("bert", modelId, "bert-base-uncased"));
  }

  /** A builder that starts from transformers' defaults. */
  public static Builder<BertConfig> builder() {
    return new Builder<>("bert", "BertForSequenceClassification", BertConfig::new);
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

  /** The padding token id (the word embedding's zero row), or null for none. */
  public Integer padTokenId() {
    return padTokenId;
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
