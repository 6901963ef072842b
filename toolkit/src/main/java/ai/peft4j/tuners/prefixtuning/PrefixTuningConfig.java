package ai.peft4j.tuners.prefixtuning;

import ai.peft4j.config.Buildable;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.prompt.PromptLearningConfig;
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
public final class PrefixTuningConfig extends PromptLearningConfig implements Buildable<PrefixTuningConfig.Builder> {

    /** {@code prefix_projection}: whether an MLP produces the prefix from a smaller embedding. */
    public static final ConfigField<Boolean> PREFIX_PROJECTION = ConfigField.bool("prefix_projection", false);

    /** The fields of a prefix-tuning config and how to create one; declared after the fields it lists. */
    public static final ConfigSchema<PrefixTuningConfig> SCHEMA = ConfigSchema.of(
            PeftType.PREFIX_TUNING,
            PrefixTuningConfig.class,
            PrefixTuningConfig::new,
            Builder::new,
            PromptLearningConfig.FIELDS,
            ENCODER_HIDDEN_SIZE,
            PREFIX_PROJECTION);

    private PrefixTuningConfig(Map<ConfigField<?>, Object> values) {
        super(SCHEMA, values);
    }

    // Accessors: see the field constants.
    public Integer encoderHiddenSize() {
        return get(ENCODER_HIDDEN_SIZE);
    }

    public boolean prefixProjection() {
        return get(PREFIX_PROJECTION);
    }

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects prefix-tuning settings; defaults are PEFT's. */
    public static final class Builder extends PromptLearningConfig.Builder<Builder, PrefixTuningConfig> {
        private Builder() {
            super(SCHEMA);
        }

        public Builder encoderHiddenSize(Integer size) {
            return set(ENCODER_HIDDEN_SIZE, size);
        }

        public Builder prefixProjection(boolean prefixProjection) {
            return set(PREFIX_PROJECTION, prefixProjection);
        }
    }
}
