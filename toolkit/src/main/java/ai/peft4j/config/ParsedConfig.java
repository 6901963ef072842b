package ai.peft4j.config;

import java.util.List;

/**
 * A config read from JSON together with what the reader left out.
 *
 * <pre>{@code
 * ParsedConfig<PeftConfig> p = PeftConfig.parse(json, null);
 * p.config();         // the LoraConfig
 * p.ignoredKeys();    // e.g. [use_new_feature] from a newer PEFT
 * }</pre>
 *
 * @param config      the config
 * @param ignoredKeys keys of the file that peft4j does not know and dropped, in file order
 * @param source      the file it came from, or {@code null} for a string
 */
public record ParsedConfig<T extends PeftConfig>(T config, List<String> ignoredKeys, String source) {

    public ParsedConfig {
        ignoredKeys = List.copyOf(ignoredKeys);
    }
}
