package ai.peft4j.tuners.loha;

import ai.peft4j.config.Buildable;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.lycoris.LycorisConfig;
import java.util.Map;

/**
 * The settings of a LoHa adapter, with every field of PEFT 0.10's {@code LoHaConfig} and its defaults ({@code r}
 * 8, {@code alpha} 8, no dropout, {@code init_weights} true). The shared fields are declared in
 * {@link LycorisConfig}; LoHa adds none of its own.
 *
 * <pre>{@code
 * LoHaConfig config = LoHaConfig.builder()
 *         .r(4).alpha(8)
 *         .targetModules("q_proj", "v_proj")       // required: LoHa has no default targets
 *         .taskType(TaskType.CAUSAL_LM)
 *         .build();
 * config.toJson();                                 // what PEFT writes to adapter_config.json
 * PeftModel peft = PeftModel.getPeftModel(opt, config);
 * }</pre>
 */
public final class LoHaConfig extends LycorisConfig implements Buildable<LoHaConfig.Builder> {

    /** The fields of a LoHa config and how to create one. */
    public static final ConfigSchema<LoHaConfig> SCHEMA =
            ConfigSchema.of(PeftType.LOHA, LoHaConfig.class, LoHaConfig::new, Builder::new, fields());

    private LoHaConfig(Map<ConfigField<?>, Object> values) {
        super(SCHEMA, values);
    }

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects LoHa settings; {@link #build()} validates them. Setters are named as the keys in camelCase. */
    public static final class Builder extends LycorisConfig.Builder<Builder, LoHaConfig> {
        private Builder() {
            super(SCHEMA);
        }
    }
}
