package ai.peft4j.tuners.ptuning;

import ai.peft4j.config.Buildable;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.prompt.PromptLearningConfig;
import java.util.Map;

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
public final class PromptEncoderConfig extends PromptLearningConfig implements Buildable<PromptEncoderConfig.Builder> {

    /** {@code encoder_reparameterization_type}. */
    public enum ReparameterizationType {
        /** Linear-ReLU-Linear-ReLU-Linear (PEFT's default). */
        MLP,
        /** A bidirectional LSTM followed by Linear-ReLU-Linear. */
        LSTM;

        /** The constant for PEFT's string, or an error listing the allowed ones. */
        public static ReparameterizationType fromJson(String value) {
            return ConfigField.lookup(
                    "encoder_reparameterization_type", value, values(), Enum::name, "\"MLP\" or \"LSTM\"");
        }
    }

    /** PEFT's default {@code encoder_num_layers}; the MLP always has exactly this many hidden layers. */
    public static final int DEFAULT_ENCODER_NUM_LAYERS = 2;

    /** {@code encoder_reparameterization_type}: the prompt encoder's kind; default {@code MLP}. */
    public static final ConfigField<ReparameterizationType> ENCODER_REPARAMETERIZATION_TYPE = ConfigField.choice(
            "encoder_reparameterization_type",
            ReparameterizationType.MLP,
            ReparameterizationType::fromJson,
            Enum::name);

    /** {@code encoder_num_layers}: LSTM layers; ignored by the MLP (PEFT warns when it is not 2). */
    public static final ConfigField<Integer> ENCODER_NUM_LAYERS = ConfigField.integer(
                    "encoder_num_layers", DEFAULT_ENCODER_NUM_LAYERS)
            .check(n -> n > 0, n -> "expected a positive integer, found " + n);

    /** {@code encoder_dropout}: dropout between LSTM layers; unused by the MLP. */
    public static final ConfigField<Double> ENCODER_DROPOUT = ConfigField.number("encoder_dropout", 0.0)
            .check(p -> p >= 0.0 && p < 1.0, p -> "expected a probability in [0, 1), found " + p);

    /** The fields of a p-tuning config and how to create one; declared after the fields it lists. */
    public static final ConfigSchema<PromptEncoderConfig> SCHEMA = ConfigSchema.of(
            PeftType.P_TUNING,
            PromptEncoderConfig.class,
            PromptEncoderConfig::new,
            Builder::new,
            PromptLearningConfig.FIELDS,
            ENCODER_REPARAMETERIZATION_TYPE,
            ENCODER_HIDDEN_SIZE,
            ENCODER_NUM_LAYERS,
            ENCODER_DROPOUT);

    private PromptEncoderConfig(Map<ConfigField<?>, Object> values) {
        super(SCHEMA, values);
    }

    // Accessors: see the field constants above.
    public ReparameterizationType encoderReparameterizationType() {
        return get(ENCODER_REPARAMETERIZATION_TYPE);
    }

    public Integer encoderHiddenSize() {
        return get(ENCODER_HIDDEN_SIZE);
    }

    public int encoderNumLayers() {
        return get(ENCODER_NUM_LAYERS);
    }

    public double encoderDropout() {
        return get(ENCODER_DROPOUT);
    }

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects p-tuning settings; defaults are PEFT's. */
    public static final class Builder extends PromptLearningConfig.Builder<Builder, PromptEncoderConfig> {
        private Builder() {
            super(SCHEMA);
        }

        public Builder encoderReparameterizationType(ReparameterizationType type) {
            return set(ENCODER_REPARAMETERIZATION_TYPE, type);
        }
        /** By PEFT's name: {@code "MLP"} or {@code "LSTM"}. */
        public Builder encoderReparameterizationType(String type) {
            return encoderReparameterizationType(ReparameterizationType.fromJson(type));
        }

        public Builder encoderHiddenSize(Integer size) {
            return set(ENCODER_HIDDEN_SIZE, size);
        }

        public Builder encoderNumLayers(int layers) {
            return set(ENCODER_NUM_LAYERS, layers);
        }

        public Builder encoderDropout(double p) {
            return set(ENCODER_DROPOUT, p);
        }
    }
}
