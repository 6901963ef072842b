package ai.peft4j.tuners.ptuning;

import ai.peft4j.ConfigFields;
import ai.peft4j.PeftConfigException;
import ai.peft4j.PeftType;
import ai.peft4j.tuners.prompt.PromptLearningConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * PEFT 0.10's {@code PromptEncoderConfig} (P-tuning): virtual tokens produced by a small encoder (an MLP, or a
 * bidirectional LSTM and an MLP) from a learned embedding. Same keys and defaults as PEFT.
 *
 * <pre>{@code
 * PromptEncoderConfig c = PromptEncoderConfig.builder()
 *     .taskType(TaskType.SEQ_CLS).numVirtualTokens(20).encoderHiddenSize(128).build();
 * PeftModel peft = PeftModel.getPeftModel(roberta, c);       // token_dim etc. filled from the model
 * }</pre>
 *
 * <p>The Python API spells the type argument {@code encoder_reprameterization_type} in one tutorial snippet; the
 * key PEFT reads and writes is {@code encoder_reparameterization_type}.
 */
public final class PromptEncoderConfig extends PromptLearningConfig {

  /** {@code encoder_reparameterization_type}. */
  public enum ReparameterizationType {
    /** Linear-ReLU-Linear-ReLU-Linear (PEFT's default). */
    MLP,
    /** A bidirectional LSTM followed by Linear-ReLU-Linear. */
    LSTM;

    /** The constant for PEFT's string, or an error listing the allowed ones. */
    public static ReparameterizationType fromJson(String value) {
      for (ReparameterizationType t : values()) {
        if (t.name().equals(value)) {
          return t;
        }
      }
      throw ConfigFields.wrongType("encoder_reparameterization_type", value, "\"MLP\" or \"LSTM\"");
    }
  }

  /** PEFT's default {@code encoder_num_layers}; the MLP always has exactly this many hidden layers. */
  public static final int DEFAULT_ENCODER_NUM_LAYERS = 2;

  private final ReparameterizationType encoderReparameterizationType;
  private final Integer encoderHiddenSize;
  private final int encoderNumLayers;
  private final double encoderDropout;

  private PromptEncoderConfig(Builder b) {
    super(PeftType.P_TUNING, b);
    encoderReparameterizationType = b.encoderReparameterizationType;
    encoderHiddenSize = b.encoderHiddenSize;
    encoderNumLayers = b.encoderNumLayers;
    encoderDropout = b.encoderDropout;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Builder toBuilder() {
    return new Builder(this);
  }

  @Override
  public PromptEncoderConfig withInferenceMode(boolean inferenceMode) {
    return toBuilder().inferenceMode(inferenceMode).build();
  }

  /** Reads a P_TUNING config from the text of an {@code adapter_config.json}. */
  public static PromptEncoderConfig fromJson(String json) {
    return fromJsonAs(json, PeftType.P_TUNING, PromptEncoderConfig.class);
  }

  /** Reads {@code dir/adapter_config.json}, which must be a P_TUNING config. */
  public static PromptEncoderConfig fromPretrained(Path dir) {
    return fromPretrainedAs(dir, PeftType.P_TUNING, PromptEncoderConfig.class);
  }

  /** The {@link ai.peft4j.PeftConfigRegistry} reader. */
  public static PromptEncoderConfig read(ConfigFields f) {
    Builder b = builder().readPromptCommon(f);
    b.encoderReparameterizationType(ReparameterizationType.fromJson(
        f.string("encoder_reparameterization_type", ReparameterizationType.MLP.name())));
    b.encoderHiddenSize(optInt(f, "encoder_hidden_size"));
    b.encoderNumLayers(f.integer("encoder_num_layers", DEFAULT_ENCODER_NUM_LAYERS));
    b.encoderDropout(f.number("encoder_dropout", 0.0));
    return b.build();
  }

  @Override
  protected void putFields(Map<String, Object> out) {
    super.putFields(out);
    out.put("encoder_reparameterization_type", encoderReparameterizationType.name());
    out.put("encoder_hidden_size", encoderHiddenSize);
    out.put("encoder_num_layers", encoderNumLayers);
    out.put("encoder_dropout", encoderDropout);
  }

  @Override
  protected void fillEncoderHiddenSize(PromptLearningConfig.Builder<?, ?> b, Integer tokenDim) {
    if (encoderHiddenSize == null) {
      ((Builder) b).encoderHiddenSize(tokenDim);
    }
  }

  @Override
  public PromptEncoderConfig withModelDefaults(com.fasterxml.jackson.databind.JsonNode modelConfig) {
    return (PromptEncoderConfig) super.withModelDefaults(modelConfig);
  }

  public ReparameterizationType encoderReparameterizationType() {
    return encoderReparameterizationType;
  }

  /** {@code encoder_hidden_size}, or null (then {@code token_dim} when applied). */
  public Integer encoderHiddenSize() {
    return encoderHiddenSize;
  }

  /** {@code encoder_num_layers}: LSTM layers; ignored by the MLP (PEFT warns when it is not 2). */
  public int encoderNumLayers() {
    return encoderNumLayers;
  }

  /** {@code encoder_dropout}: dropout between LSTM layers; unused by the MLP. */
  public double encoderDropout() {
    return encoderDropout;
  }

  /** Collects p-tuning settings; defaults are PEFT's. */
  public static final class Builder extends PromptLearningConfig.Builder<Builder, PromptEncoderConfig> {
    private ReparameterizationType encoderReparameterizationType = ReparameterizationType.MLP;
    private Integer encoderHiddenSize;
    private int encoderNumLayers = DEFAULT_ENCODER_NUM_LAYERS;
    private double encoderDropout;

    private Builder() {}

    private Builder(PromptEncoderConfig c) {
      super(c);
      encoderReparameterizationType = c.encoderReparameterizationType;
      encoderHiddenSize = c.encoderHiddenSize;
      encoderNumLayers = c.encoderNumLayers;
      encoderDropout = c.encoderDropout;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected Builder readPromptCommon(ConfigFields f) {
      return super.readPromptCommon(f);
    }

    public Builder encoderReparameterizationType(ReparameterizationType type) {
      this.encoderReparameterizationType = Objects.requireNonNull(type, "type");
      return this;
    }

    /** By PEFT's name: {@code "MLP"} or {@code "LSTM"}. */
    public Builder encoderReparameterizationType(String type) {
      return encoderReparameterizationType(ReparameterizationType.fromJson(type));
    }

    public Builder encoderHiddenSize(Integer size) {
      this.encoderHiddenSize = size;
      return this;
    }

    public Builder encoderNumLayers(int layers) {
      this.encoderNumLayers = layers;
      return this;
    }

    public Builder encoderDropout(double p) {
      this.encoderDropout = p;
      return this;
    }

    @Override
    public PromptEncoderConfig build() {
      validatePromptCommon();
      positive("encoder_hidden_size", encoderHiddenSize);
      if (encoderNumLayers <= 0) {
        throw new PeftConfigException("key 'encoder_num_layers': expected a positive integer, found "
            + encoderNumLayers);
      }
      if (!(encoderDropout >= 0.0 && encoderDropout < 1.0)) {
        throw new PeftConfigException("key 'encoder_dropout': expected a probability in [0, 1), found "
            + encoderDropout);
      }
      return new PromptEncoderConfig(this);
    }
  }
}
