package ai.peft4j.tuners.lokr;

import ai.peft4j.config.Buildable;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.lycoris.LycorisConfig;
import java.util.Map;

/**
 * The settings of a LoKr adapter, with every field of PEFT 0.10's {@code LoKrConfig} and its defaults: the fields
 * shared with LoHa ({@link LycorisConfig}) plus {@code decompose_both} and {@code decompose_factor}.
 *
 * <pre>{@code
 * LoKrConfig config = LoKrConfig.builder()
 *         .r(4).decomposeBoth(true).decomposeFactor(-1)
 *         .targetModules("q_proj", "v_proj")        // required: LoKr has no default targets
 *         .build();
 * config.toJson();                                  // what PEFT writes to adapter_config.json
 * }</pre>
 */
public final class LoKrConfig extends LycorisConfig implements Buildable<LoKrConfig.Builder> {

    /** {@code decompose_both}: split the left factor {@code w1} into {@code w1_a @ w1_b} too (when r is small). */
    public static final ConfigField<Boolean> DECOMPOSE_BOTH = ConfigField.bool("decompose_both", false);

    /**
     * {@code decompose_factor}: the size one Kronecker factor should have (taken exactly when it divides the
     * dimension), or -1 (PEFT's default) for factors near the square root; see {@link LoKrLinear#factorization}.
     */
    public static final ConfigField<Integer> DECOMPOSE_FACTOR = ConfigField.integer("decompose_factor", -1);

    /** The fields of a LoKr config and how to create one. */
    public static final ConfigSchema<LoKrConfig> SCHEMA = ConfigSchema.of(
            PeftType.LOKR, LoKrConfig.class, LoKrConfig::new, Builder::new, fields(DECOMPOSE_BOTH, DECOMPOSE_FACTOR));

    private LoKrConfig(Map<ConfigField<?>, Object> values) {
        super(SCHEMA, values);
    }

    public boolean decomposeBoth() {
        return get(DECOMPOSE_BOTH);
    }

    public int decomposeFactor() {
        return get(DECOMPOSE_FACTOR);
    }

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects LoKr settings; {@link #build()} validates them. Setters are named as the keys in camelCase. */
    public static final class Builder extends LycorisConfig.Builder<Builder, LoKrConfig> {
        private Builder() {
            super(SCHEMA);
        }

        public Builder decomposeBoth(boolean decomposeBoth) {
            return set(DECOMPOSE_BOTH, decomposeBoth);
        }

        public Builder decomposeFactor(int decomposeFactor) {
            return set(DECOMPOSE_FACTOR, decomposeFactor);
        }
    }
}
