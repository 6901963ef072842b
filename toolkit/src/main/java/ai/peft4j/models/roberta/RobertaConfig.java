package ai.peft4j.models.roberta;

import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * transformers' {@code RobertaConfig}: every field with the same name and default. Unknown fields
 * are kept and saved back. {@link #numLabels()} and {@link #problemType()} follow transformers'
 * {@code PretrainedConfig} ({@code id2label} or {@code num_labels}, default 2).
 *
 * <pre>{@code
 * RobertaConfig c = RobertaConfig.fromPretrained(Path.of("tiny_roberta"));
 * RobertaConfig big = RobertaConfig.named("roberta-large");   // shipped config, no weights
 * RobertaConfig tiny = RobertaConfig.builder().set("hidden_size", 16).set("num_labels", 3).build();
 * }</pre>
 */
public final class RobertaConfig extends PretrainedConfig {

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
  private final int padTokenId;
  private final int bosTokenId;
  private final int eosTokenId;
  private final String positionEmbeddingType;
  private final Double classifierDropout;

  /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
  public RobertaConfig(ObjectNode json) {
    super(json);
    String type = modelType();
    if (type != null && !type.equals("roberta")) {
      throw new ModelConfigException("model_type", "not a RoBERTa config: model_type is '" + type + "'");
    }
    vocabSize = positive("vocab_size", 50265);
    hiddenSize = positive("hidden_size", 768);
    numHiddenLayers = layers("num_hidden_layers", 12);
    numAttentionHeads = positive("num_attention_heads", 12);
    intermediateSize = positive("intermediate_size", 3072);
    hiddenAct = string("hidden_act", "gelu");
    hiddenDropoutProb = number("hidden_dropout_prob", 0.1);
    attentionProbsDropoutProb = number("attention_probs_dropout_prob", 0.1);
    maxPositionEmbeddings = positive("max_position_embeddings", 512);
    typeVocabSize = positive("type_vocab_size", 2);
    initializerRange = number("initializer_range", 0.02);
    layerNormEps = number("layer_norm_eps", 1e-12);
    padTokenId = int32("pad_token_id", 1);
    bosTokenId = int32("bos_token_id", 0);
    eosTokenId = int32("eos_token_id", 2);
    positionEmbeddingType = string("position_embedding_type", "absolute");
    classifierDropout = json.hasNonNull("classifier_dropout") ? number("classifier_dropout", 0) : null;
    requireDivisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
    if (!positionEmbeddingType.equals("absolute")) {
      throw invalid("position_embedding_type", "'" + positionEmbeddingType
          + "' is not supported; peft4j implements RoBERTa's 'absolute' positions");
    }
    if (padTokenId < 0 || padTokenId >= vocabSize || padTokenId >= maxPositionEmbeddings) {
      throw invalid("pad_token_id",
          "(" + padTokenId + ") is the padding row of the word and position"
              + " embeddings, so it must be below vocab_size (" + vocabSize
              + ") and max_position_embeddings (" + maxPositionEmbeddings + ")");
    }
    try {
      RobertaIntermediate.activation(hiddenAct); // fail early on an unknown activation
    } catch (IllegalArgumentException e) {
      throw new ModelConfigException("hidden_act", e.getMessage(), e);
    }
    if (numLabels() < 1) {
      throw invalid("num_labels", "must be at least 1, got " + numLabels());
    }
    problemType(); // validates
  }

  /** Reads {@code dir/config.json}. */
  public static RobertaConfig fromPretrained(Path dir) {
    return new RobertaConfig(readJson(dir));
  }

  /**
   * A published configuration shipped with peft4j ({@code roberta-base}, {@code roberta-large}):
   * the architecture only, no weights. Like {@code from_pretrained}, the model id becomes {@code
   * _name_or_path}.
   */
  public static RobertaConfig named(String modelId) {
    return new RobertaConfig(shipped("roberta", modelId, "roberta-base, roberta-large"));
  }

  /** A builder that starts from transformers' defaults. */
  public static Builder<RobertaConfig> builder() {
    return new Builder<>("roberta", "RobertaForSequenceClassification", RobertaConfig::new);
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

  /** The padding token id; also the position row of padding (positions start after it). */
  public int padTokenId() {
    return padTokenId;
  }

  public int bosTokenId() {
    return bosTokenId;
  }

  public int eosTokenId() {
    return eosTokenId;
  }

  /** Always {@code "absolute"} (the only kind peft4j implements). */
  public String positionEmbeddingType() {
    return positionEmbeddingType;
  }

  /** The classification head's dropout, or null to use {@code hidden_dropout_prob}. */
  public Double classifierDropout() {
    return classifierDropout;
  }
}
