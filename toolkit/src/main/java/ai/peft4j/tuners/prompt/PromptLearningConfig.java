package ai.peft4j.tuners.prompt;

import ai.peft4j.ConfigFields;
import ai.peft4j.PeftConfig;
import ai.peft4j.PeftConfigException;
import ai.peft4j.PeftType;
import ai.peft4j.TaskType;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * PEFT 0.10's {@code PromptLearningConfig}: the fields shared by the methods that learn virtual tokens (p-tuning,
 * prompt tuning, prefix tuning). Every field but {@code num_virtual_tokens} may be left {@code null}; applying the
 * config to a model fills them from the model's {@code config.json} as PEFT's {@code
 * _prepare_prompt_learning_config} does ({@link #withModelDefaults}).
 *
 * <pre>{@code
 * PromptEncoderConfig c = PromptEncoderConfig.builder().numVirtualTokens(20).encoderHiddenSize(128)
 *     .taskType(TaskType.SEQ_CLS).build();
 * c.tokenDim();                          // null until applied to a model
 * }</pre>
 */
public abstract class PromptLearningConfig extends PeftConfig {

  private final Integer numVirtualTokens;
  private final Integer tokenDim;
  private final Integer numTransformerSubmodules;
  private final Integer numAttentionHeads;
  private final Integer numLayers;

  protected PromptLearningConfig(PeftType type, Builder<?, ?> b) {
    super(type, b);
    this.numVirtualTokens = b.numVirtualTokens;
    this.tokenDim = b.tokenDim;
    this.numTransformerSubmodules = b.numTransformerSubmodules;
    this.numAttentionHeads = b.numAttentionHeads;
    this.numLayers = b.numLayers;
  }

  /** {@code num_virtual_tokens}: how many virtual tokens are prepended (per transformer submodule). */
  public Integer numVirtualTokens() {
    return numVirtualTokens;
  }

  /** {@code token_dim}: the hidden size of the base model's embeddings, or null (taken from the model). */
  public Integer tokenDim() {
    return tokenDim;
  }

  /** {@code num_transformer_submodules}: 1 (decoder-only, encoder-only) or 2 (seq2seq), or null. */
  public Integer numTransformerSubmodules() {
    return numTransformerSubmodules;
  }

  /** {@code num_attention_heads} of the base model, or null. */
  public Integer numAttentionHeads() {
    return numAttentionHeads;
  }

  /** {@code num_layers} of the base model, or null. */
  public Integer numLayers() {
    return numLayers;
  }

  /** {@code num_virtual_tokens * num_transformer_submodules}: the rows of the prompt embedding. */
  public int totalVirtualTokens() {
    return numVirtualTokens * (numTransformerSubmodules == null ? 1 : numTransformerSubmodules);
  }

  @Override
  public abstract Builder<?, ? extends PromptLearningConfig> toBuilder();

  /**
   * A copy with the unset fields taken from the base model's {@code config.json}, as PEFT's {@code
   * _prepare_prompt_learning_config} and {@code _setup_prompt_encoder} do: {@code num_layers} from {@code
   * num_hidden_layers}, {@code num_layers} or {@code n_layer}; {@code token_dim} from {@code hidden_size}, {@code
   * n_embd} or {@code d_model}; {@code num_attention_heads} from {@code num_attention_heads}, {@code n_head}, {@code
   * num_heads} or {@code encoder_attention_heads}; {@code encoder_hidden_size} (where the method has one) = {@code
   * token_dim}; {@code num_transformer_submodules} = 2 for {@code SEQ_2_SEQ_LM}, else 1.
   *
   * @param modelConfig the model's {@code config.json}, or null for a model without one (then every field must be set)
   */
  public PromptLearningConfig withModelDefaults(JsonNode modelConfig) {
    Builder<?, ? extends PromptLearningConfig> b = toBuilder();
    if (numLayers == null) {
      b.numLayers(fromModel(modelConfig, "num_layers", "num_hidden_layers", "num_layers", "n_layer"));
    }
    if (tokenDim == null) {
      b.tokenDim(fromModel(modelConfig, "token_dim", "hidden_size", "n_embd", "d_model"));
    }
    if (numAttentionHeads == null) {
      b.numAttentionHeads(fromModel(modelConfig, "num_attention_heads",
          "num_attention_heads", "n_head", "num_heads", "encoder_attention_heads"));
    }
    if (numTransformerSubmodules == null) {
      b.numTransformerSubmodules(taskType() == TaskType.SEQ_2_SEQ_LM ? 2 : 1);
    }
    fillEncoderHiddenSize(b, b.tokenDim);
    return b.build();
  }

  /** Sets {@code encoder_hidden_size} to {@code tokenDim} when the method has that field and it is unset. */
  protected void fillEncoderHiddenSize(Builder<?, ?> b, Integer tokenDim) {}

  private static int fromModel(JsonNode modelConfig, String field, String... keys) {
    if (modelConfig != null) {
      for (String key : keys) {
        JsonNode n = modelConfig.get(key);
        if (n != null && n.isIntegralNumber()) {
          return n.intValue();
        }
      }
    }
    throw new PeftConfigException("Please specify `" + field + "` in the config: "
        + (modelConfig == null ? "the model has no config.json to take it from"
            : "the model's config.json has none of " + String.join(", ", keys)));
  }

  @Override
  protected List<String> keysWithoutDefault() {
    return List.of("num_virtual_tokens", "task_type");
  }

  /** {@inheritDoc} */
  @Override
  protected void putFields(Map<String, Object> out) {
    out.put("num_virtual_tokens", numVirtualTokens);
    out.put("token_dim", tokenDim);
    out.put("num_transformer_submodules", numTransformerSubmodules);
    out.put("num_attention_heads", numAttentionHeads);
    out.put("num_layers", numLayers);
  }

  /** An integer key that may be null or absent (null then). */
  protected static Integer optInt(ConfigFields f, String key) {
    Object v = f.raw(key);
    return v == null ? null : f.toInt(key, v, false);
  }

  /** The shared builder; subclasses add their method's fields. */
  public abstract static class Builder<B extends Builder<B, C>, C extends PromptLearningConfig>
      extends PeftConfig.Builder<B, C> {
    private Integer numVirtualTokens;
    private Integer tokenDim;
    private Integer numTransformerSubmodules;
    private Integer numAttentionHeads;
    private Integer numLayers;

    protected Builder() {}

    protected Builder(PromptLearningConfig from) {
      super(from);
      numVirtualTokens = from.numVirtualTokens;
      tokenDim = from.tokenDim;
      numTransformerSubmodules = from.numTransformerSubmodules;
      numAttentionHeads = from.numAttentionHeads;
      numLayers = from.numLayers;
    }

    public B numVirtualTokens(Integer n) {
      this.numVirtualTokens = n;
      return self();
    }

    public B tokenDim(Integer tokenDim) {
      this.tokenDim = tokenDim;
      return self();
    }

    public B numTransformerSubmodules(Integer n) {
      this.numTransformerSubmodules = n;
      return self();
    }

    public B numAttentionHeads(Integer n) {
      this.numAttentionHeads = n;
      return self();
    }

    public B numLayers(Integer n) {
      this.numLayers = n;
      return self();
    }

    /** Reads the common and the shared prompt-learning keys. */
    protected B readPromptCommon(ConfigFields f) {
      readCommon(f);
      numVirtualTokens = optInt(f, "num_virtual_tokens");
      tokenDim = optInt(f, "token_dim");
      numTransformerSubmodules = optInt(f, "num_transformer_submodules");
      numAttentionHeads = optInt(f, "num_attention_heads");
      numLayers = optInt(f, "num_layers");
      return self();
    }

    /** Checks the shared fields; subclasses call it from {@code build()}. */
    protected void validatePromptCommon() {
      if (numVirtualTokens == null) {
        throw new PeftConfigException("key 'num_virtual_tokens' must be set: how many virtual tokens to learn "
            + "(e.g. 20)");
      }
      positive("num_virtual_tokens", numVirtualTokens);
      positive("token_dim", tokenDim);
      positive("num_attention_heads", numAttentionHeads);
      positive("num_layers", numLayers);
      if (numTransformerSubmodules != null && numTransformerSubmodules != 1 && numTransformerSubmodules != 2) {
        throw new PeftConfigException("key 'num_transformer_submodules': expected 1 (decoder-only or encoder-only "
            + "models) or 2 (encoder-decoder models), found " + numTransformerSubmodules);
      }
    }

    /** Fails unless {@code value} is null or positive. */
    protected static void positive(String key, Integer value) {
      if (value != null && value <= 0) {
        throw new PeftConfigException("key '" + key + "': expected a positive integer or null, found " + value);
      }
    }
  }
}
