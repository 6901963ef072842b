package ai.peft4j.tuners;

import ai.djl.nn.Block;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftMethod;
import ai.peft4j.config.PeftType;
import java.util.Objects;
import java.util.function.Function;

/**
 * One PEFT method as {@code PeftModel} sees it: its config schema, which names the {@code peft_type} and reads the
 * config, and what hosts its adapters (PEFT's {@code PEFT_TYPE_TO_CONFIG_MAPPING} and {@code
 * PEFT_TYPE_TO_TUNER_MAPPING} entries). Every method is these two things, so a method's entry is a small subclass
 * whose public no-argument constructor (the {@link java.util.ServiceLoader} needs one) names them, listed with one
 * line in {@code META-INF/services/ai.peft4j.config.PeftMethod}; {@link TunerRegistry} and the config registry find
 * it there.
 *
 * <pre>{@code
 * public final class LoraMethod extends TunerMethod {
 *   public LoraMethod() { super(LoraConfig.SCHEMA, LoraModel::new); }
 * }
 * }</pre>
 */
public abstract class TunerMethod implements PeftMethod {

    private final ConfigSchema<?> schema;
    private final Function<Block, ? extends AdapterHost> hosts;

    /**
     * @param schema the method's config schema (its {@code peft_type} and fields)
     * @param hosts  makes a host for the method's adapters around the user's model (which it may wrap)
     */
    protected TunerMethod(ConfigSchema<?> schema, Function<Block, ? extends AdapterHost> hosts) {
        this.schema = Objects.requireNonNull(schema, "schema");
        this.hosts = Objects.requireNonNull(hosts, "hosts");
    }

    @Override
    public final PeftType peftType() {
        return schema.peftType();
    }

    @Override
    public final PeftConfig readConfig(ConfigFields fields) {
        return schema.read(fields);
    }

    /** A host for this method's adapters around the user's {@code model} (which it may wrap). */
    public final AdapterHost newHost(Block model) {
        return hosts.apply(model);
    }
}
