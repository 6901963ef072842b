package ai.peft4j.models.llama;

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
      throw new IllegalArgumentException("not a Llama config: model_type is '" + type + "'");
    }
    vocabSize = int32("vocab_size", 32000);
    hiddenSize = int32("hidden_size", 4096);
    intermediateSize = int32("intermediate_size", 11008);
    numHiddenLayers = int32("num_hidden_layers", 32);
    numAttentionHeads = int32("num_attention_heads", 32);
    Long kv = optInteger("num_key_value_heads");
    numKeyValueHeads = kv == null ? numAttentionHeads : Math.toIntExact(kv);
    hiddenAct = string("hidden_act", "silu");
    maxPositionEmbeddings = int32("max_position_embeddings", 2048);
    initializerRange = number("initializer_range", 0.02);
    rmsNormEps = number("rms_norm_eps", 1e-6);
    ropeTheta = number("rope_theta", 10000.0);
    attentionBias = bool("attention_bias", false);
    attentionDropout = number("attention_dropout", 0.0);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException("hidden_size (" + hiddenSize + ") must be divisible by num_attention_heads ("
          + numAttentionHeads + ")");
    }
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
          + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
    }
    if (json.hasNonNull("rope_scaling")) {
      throw new IllegalArgumentException("rope_scaling is not supported by peft4j yet; remove it from config.json "
          + "to use plain rotary embeddings (positions beyond max_position_embeddings will then differ)");
    }
    if (!hiddenAct.equals("silu")) {
      throw new IllegalArgumentException("hidden_act '" + hiddenAct + "' is not supported for Llama; use silu");
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
