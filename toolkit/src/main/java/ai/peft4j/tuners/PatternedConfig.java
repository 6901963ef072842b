package ai.peft4j.tuners;

import ai.peft4j.config.ConfigField;
import java.util.Map;

/**
 * PEFT's per-module overrides of the rank and the alpha, {@code rank_pattern} and {@code alpha_pattern}, which LoRA,
 * LoHa and LoKr declare alike: declared once here, with their accessors, and their setters in {@link Builder}. Which
 * entry applies to a module is each method's own rule ({@code patternKeyFor}), as in PEFT 0.10.
 *
 * <pre>{@code
 * LoraConfig c = LoraConfig.builder().r(8).rankPattern(Map.of("q_proj", 16)).build();
 * c.rankPattern();                                          // {q_proj=16}
 * c.rankFor("model.decoder.layers.0.self_attn.q_proj");    // 16
 * }</pre>
 */
public interface PatternedConfig {

    /** {@code rank_pattern}: ranks for particular modules, by key; file order kept, as it decides ties. */
    ConfigField<Map<String, Integer>> RANK_PATTERN = ConfigField.intMap("rank_pattern", false)
            .check(m -> PatternKeys.invalidKey(m.keySet()))
            .check(m -> m.entrySet().stream()
                    .filter(e -> e.getValue() == null || e.getValue() <= 0)
                    .findFirst()
                    .map(e -> "the rank for \"" + e.getKey() + "\" must be a positive integer, found " + e.getValue())
                    .orElse(null));

    /** {@code alpha_pattern}: alphas for particular modules, by key like {@link #RANK_PATTERN}. */
    ConfigField<Map<String, Integer>> ALPHA_PATTERN = ConfigField.intMap("alpha_pattern", true)
            .check(m -> PatternKeys.invalidKey(m.keySet()))
            .check(m -> m.values().stream().allMatch(a -> a != null), m -> "every key needs an alpha, found " + m);

    /** The value of {@code field}; implemented by {@link ai.peft4j.config.PeftConfig#get}. */
    <T> T get(ConfigField<T> field);

    /** {@code rank_pattern}; empty when not set. */
    default Map<String, Integer> rankPattern() {
        return get(RANK_PATTERN);
    }

    /** {@code alpha_pattern}; empty when not set. */
    default Map<String, Integer> alphaPattern() {
        return get(ALPHA_PATTERN);
    }

    /**
     * The setters of {@code rank_pattern} and {@code alpha_pattern} for a builder that implements this interface.
     *
     * @param <B> the builder
     */
    interface Builder<B> {

        /** Sets one field; implemented by {@link ai.peft4j.config.PeftConfig.Builder#set}. */
        <T> B set(ConfigField<T> field, T value);

        default B rankPattern(Map<String, Integer> rankPattern) {
            return set(RANK_PATTERN, rankPattern);
        }

        default B alphaPattern(Map<String, Integer> alphaPattern) {
            return set(ALPHA_PATTERN, alphaPattern);
        }
    }
}
