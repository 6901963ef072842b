package ai.peft4j.config;

/**
 * One PEFT method, as the config layer sees it: its {@code peft_type} and how its {@code
 * adapter_config.json} is read (PEFT's {@code PEFT_TYPE_TO_CONFIG_MAPPING} entry). A method is
 * registered with one line, its implementation's class name, in {@code
 * META-INF/services/ai.peft4j.config.PeftMethod}; {@link PeftConfigRegistry} finds it through {@link
 * java.util.ServiceLoader} on first use. A method that can also be applied to a model implements
 * {@code ai.peft4j.tuners.TunerMethod}, which extends this interface.
 */
public interface PeftMethod {

    /** The {@code peft_type} this method implements. */
    PeftType peftType();

    /** Builds and validates this method's config from the keys of an {@code adapter_config.json}. */
    PeftConfig readConfig(ConfigFields fields);
}
