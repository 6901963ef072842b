package ai.peft4j.models.llama;

import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * transformers' {@code LlamaConfig}: the fields peft4j reads, with the same names and defaults.
 * Unknown fields are kept and saved back.
 *
 * <pre>{@code
 * LlamaConfig c = LlamaConfig.named("meta-llama/Llama-2-7b-hf");   // shipped config, no weights
 * LlamaConfig tiny = LlamaConfig.builder().set("hidden_size", 16).set("num_hidden_layers", 2).build();
 * }</pre>
 */
public final class LlamaConfig extends PretrainedConfig {

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
  private final boolean attentionBias;
  private final double attentionDropout;

  /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
  public LlamaConfig(ObjectNode json) {
    super(json);
    String type = modelType();
    if (type != null && !type.equals("llama")) {
      throw new ModelConfigException("model_type", "not a Llama config: model_type is '" + type + "'");
    }
    vocabSize = positive("vocab_size", 32000);
    hiddenSize = positive("hidden_size", 4096);
    intermediateSize = positive("intermediate_size", 11008);
    numHiddenLayers = layers("num_hidden_layers", 32);
    numAttentionHeads = positive("num_attention_heads", 32);
    numKeyValueHeads = optInteger("num_key_value_heads") == null
        ? numAttentionHeads : positive("num_key_value_heads", numAttentionHeads);
    hiddenAct = string("hidden_act", "silu");
    maxPositionEmbeddings = positive("max_position_embeddings", 2048);
    initializerRange = number("initializer_range", 0.02);
    rmsNormEps = number("rms_norm_eps", 1e-6);
    ropeTheta = number("rope_theta", 10000.0);
    attentionBias = bool("attention_bias", false);
    attentionDropout = number("attention_dropout", 0.0);
    requireDivisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
    requireDivisible("num_attention_heads", numAttentionHeads, "num_key_value_heads", numKeyValueHeads);
    if (headDim() % 2 != 0) {
      // Rotary embeddings rotate pairs of features; transformers fails in the forward pass then.
      throw invalid("hidden_size", "(" + hiddenSize + ") / num_attention_heads (" + numAttentionHeads
          + ") is the head size " + headDim() + ", which must be even for rotary embeddings");
    }
    Long pad = optInteger("pad_token_id");
    if (pad != null) {
      requirePaddingRow("pad_token_id", pad, "vocab_size", vocabSize);
    }
    if (json.hasNonNull("rope_scaling")) {
      throw invalid("rope_scaling", "is not supported by peft4j yet; remove it from config.json "
          + "to use plain rotary embeddings (positions beyond max_position_embeddings will then differ)");
    }
    if (!hiddenAct.equals("silu")) {
      throw invalid("hidden_act", "'" + hiddenAct + "' is not supported for Llama; use silu");
    }
  }

  /** Reads {@code dir/config.json}. */
  public static LlamaConfig fromPretrained(Path dir) {
    return new LlamaConfig(readJson(dir));
  }

  /** A published configuration shipped with peft4j ({@code meta-llama/Llama-2-7b-hf}): no weights. */
  public static LlamaConfig named(String modelId) {
    return new LlamaConfig(shipped("llama", modelId, "meta-llama/Llama-2-7b-hf"));
  }

  /** A builder that starts from transformers' defaults. */
  public static Builder<LlamaConfig> builder() {
    return new Builder<>("llama", "LlamaForCausalLM", LlamaConfig::new);
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

  public int headDim() {
    return hiddenSize / numAttentionHeads;
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

  public boolean attentionBias() {
    return attentionBias;
  }

  public double attentionDropout() {
    return attentionDropout;
  }
}
