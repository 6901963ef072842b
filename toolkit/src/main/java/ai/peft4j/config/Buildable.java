package ai.peft4j.config;

/**
 * A config class whose {@link #toBuilder()} gives its own builder class, so that a changed copy can use the typed
 * setters. Every config class implements it with its builder, which its {@link ConfigSchema} creates; nothing else
 * is needed.
 *
 * <pre>{@code
 * public final class LoraConfig extends PeftConfig implements Buildable<LoraConfig.Builder> { ... }
 *
 * LoraConfig r16 = lora.toBuilder().r(16).loraAlpha(32).build();   // lora is unchanged
 * }</pre>
 *
 * @param <B> the config's builder class
 */
public interface Buildable<B extends PeftConfig.Builder<B, ?>> {

    /** A builder holding this config's values, to derive a changed copy. */
    @SuppressWarnings("unchecked")
    default B toBuilder() {
        // The schema makes builders of the config's own class (ConfigSchema.of checks nothing more can come).
        return (B) ((PeftConfig) this).asBuilder();
    }
}
