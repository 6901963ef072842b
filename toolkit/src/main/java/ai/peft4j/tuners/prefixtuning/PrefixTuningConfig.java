package ai.peft4j.tuners.prefixtuning;

import ai.peft4j.ConfigFields;
import ai.peft4j.PeftType;
import ai.peft4j.tuners.prompt.PromptLearningConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * PEFT 0.10's {@code PrefixTuningConfig}: learned keys and values prepended in every attention layer ({@code
 * past_key_values}), optionally produced by a two-layer MLP ({@code prefix_projection}). Same keys and defaults as
 * PEFT.
 *
 * <pre>{@code
 * PrefixTuningConfig c = PrefixTuningConfig.builder().taskType(TaskType.CAUSAL_LM).numVirtualTokens(10).build();
 * }</pre>
 */
public final class PrefixTuningConfig extends PromptLearningConfig {

  private final Integer encoderHiddenSize;
  private final boolean prefixProjection;

  private PrefixTuningConfig(Builder b) {
    super(PeftType.PREFIX_TUNING, b);
    encoderHiddenSize = b.encoderHiddenSize;
    prefixProjection = b.prefixProjection;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Builder toBuilder() {
    return new Builder(this);
  }

  @Override
  public PrefixTuningConfig withInferenceMode(boolean inferenceMode) {
    return toBuilder().inferenceMode(inferenceMode).build();
  }

  @Override
  public PrefixTuningConfig withModelDefaults(com.fasterxml.jackson.databind.JsonNode modelConfig) {
    return (PrefixTuningConfig) super.withModelDefaults(modelConfig);
  }

  /** Reads a PREFIX_TUNING config from the text of an {@code adapter_config.json}. */
  public static PrefixTuningConfig fromJson(String json) {
    return fromJsonAs(json, PeftType.PREFIX_TUNING, PrefixTuningConfig.class);
  }

  /** Reads {@code dir/adapter_config.json}, which must be a PREFIX_TUNING config. */
  public static PrefixTuningConfig fromPretrained(Path dir) {
    return fromPretrainedAs(dir, PeftType.PREFIX_TUNING, PrefixTuningConfig.class);
  }

  /** The {@link ai.peft4j.PeftConfigRegistry} reader. */
  public static PrefixTuningConfig read(ConfigFields f) {
    Builder b = builder().readPromptCommon(f);
    b.encoderHiddenSize(optInt(f, "encoder_hidden_size"));
    b.prefixProjection(f.bool("prefix_projection", false));
    return b.build();
  }

  @Override
  protected void putFields(Map<String, Object> out) {
    super.putFields(out);
    out.put("encoder_hidden_size", encoderHiddenSize);
    out.put("prefix_projection", prefixProjection);
  }

  @Override
  protected void fillEncoderHiddenSize(PromptLearningConfig.Builder<?, ?> b, Integer tokenDim) {
    if (encoderHiddenSize == null) {
      ((Builder) b).encoderHiddenSize(tokenDim);
    }
  }

  /** {@code encoder_hidden_size}: the hidden size of the projection MLP, or null (then {@code token_dim}). */
  public Integer encoderHiddenSize() {
    return encoderHiddenSize;
  }

  /** {@code prefix_projection}: whether an MLP produces the prefix from a smaller embedding. */
  public boolean prefixProjection() {
    return prefixProjection;
  }

  /** Collects prefix-tuning settings; defaults are PEFT's. */
  public static final class Builder extends PromptLearningConfig.Builder<Builder, PrefixTuningConfig> {
    private Integer encoderHiddenSize;
    private boolean prefixProjection;

    private Builder() {}

    private Builder(PrefixTuningConfig c) {
      super(c);
      encoderHiddenSize = c.encoderHiddenSize;
      prefixProjection = c.prefixProjection;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected Builder readPromptCommon(ConfigFields f) {
      return super.readPromptCommon(f);
    }

    public Builder encoderHiddenSize(Integer size) {
      this.encoderHiddenSize = size;
      return this;
    }

    public Builder prefixProjection(boolean prefixProjection) {
      this.prefixProjection = prefixProjection;
      return this;
    }

    @Override
    public PrefixTuningConfig build() {
      validatePromptCommon();
      positive("encoder_hidden_size", encoderHiddenSize);
      return new PrefixTuningConfig(this);
    }
  }
}
