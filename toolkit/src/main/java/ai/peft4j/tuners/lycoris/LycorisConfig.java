package ai.peft4j.tuners.lycoris;

import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.tuners.PatternedConfig;
import ai.peft4j.tuners.TargetedConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The fields LoHa and LoKr share (PEFT 0.10's {@code LycorisConfig} and the fields both subclasses declare), with
 * PEFT's defaults; {@code LoHaConfig} and {@code LoKrConfig} list them in their schemas and add their own.
 *
 * <pre>{@code
 * LoHaConfig c = LoHaConfig.builder().r(4).alpha(8).targetModules("q_proj", "v_proj").build();
 * c.rankFor("model.decoder.layers.0.self_attn.q_proj");   // 4, or its rank_pattern entry
 * }</pre>
 *
 * <p>The keys LyCORIS shares with LoRA ({@code target_modules}, {@code rank_pattern}...) are declared in {@link
 * TargetedConfig} and {@link PatternedConfig}, which give their accessors and setters.
 *
 * <p>PEFT 0.10 checks little here: a rank that is not positive fails when the layer is made, and a missing
 * {@code target_modules} fails when the adapter is added (LyCORIS methods have no default targets).
 */
public abstract class LycorisConfig extends PeftConfig implements TargetedConfig, PatternedConfig {

    /** {@code r}: the rank; positive. Default 8. */
    public static final ConfigField<Integer> R = ConfigField.integer("r", 8)
            .check(r -> r > 0, r -> "`r` should be a positive integer value but the value passed is " + r);

    /** {@code alpha}: the scaling numerator ({@code alpha / r}). Default 8. */
    public static final ConfigField<Integer> ALPHA = ConfigField.integer("alpha", 8, true);

    /** {@code rank_dropout}: in training, the probability of dropping each output row of the weight change. */
    public static final ConfigField<Double> RANK_DROPOUT = ConfigField.number("rank_dropout", 0.0)
            .check(p -> p >= 0.0 && p <= 1.0, p -> "expected a probability between 0 and 1, found " + p);

    /** {@code module_dropout}: in training, the probability of skipping an adapter for a whole forward pass. */
    public static final ConfigField<Double> MODULE_DROPOUT = ConfigField.number("module_dropout", 0.0)
            .check(p -> p >= 0.0 && p <= 1.0, p -> "expected a probability between 0 and 1, found " + p);

    /** {@code use_effective_conv2d}: FedPara's decomposition for Conv2d kernels; kept, Conv2d is not wrapped yet. */
    public static final ConfigField<Boolean> USE_EFFECTIVE_CONV2D = ConfigField.bool("use_effective_conv2d", false);

    /** {@code init_weights}: {@code true} starts as a no-op (one factor zero); {@code false} draws every factor. */
    public static final ConfigField<Boolean> INIT_WEIGHTS = ConfigField.bool("init_weights", true);

    /** The shared fields after {@link PeftConfig#FIELDS}, in PEFT's order; a method's own fields go in between. */
    protected static List<ConfigField<?>> fields(ConfigField<?>... own) {
        List<ConfigField<?>> out = new ArrayList<>(PeftConfig.FIELDS);
        out.addAll(List.of(RANK_PATTERN, ALPHA_PATTERN, R, ALPHA, RANK_DROPOUT, MODULE_DROPOUT, USE_EFFECTIVE_CONV2D));
        out.addAll(Arrays.asList(own));
        out.addAll(List.of(
                TARGET_MODULES, EXCLUDE_MODULES, INIT_WEIGHTS, LAYERS_TO_TRANSFORM, LAYERS_PATTERN, MODULES_TO_SAVE));
        return out;
    }

    private final Map<String, Pattern> patternKeys = new LinkedHashMap<>();

    protected LycorisConfig(ConfigSchema<?> schema, Map<ConfigField<?>, Object> values) {
        super(schema, values);
        for (String key : concat(rankPattern().keySet(), alphaPattern().keySet())) {
            patternKeys.putIfAbsent(key, Pattern.compile("(.*\\.)?" + key + "$"));
        }
    }

    private static List<String> concat(Collection<String> a, Collection<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Override
    protected void validate() {
        TargetedConfig.checkExcludeModules(this);
    }

    /**
     * The key PEFT 0.10's LyCORIS tuners use for a module's {@code rank_pattern}/{@code alpha_pattern} lookup: the
     * first key (rank keys, then alpha keys) whose regex {@code (.*\.)?<key>$} matches the path from its start, else
     * the module's own name (the last path segment). One key serves both lookups, as in PEFT 0.10.
     */
    public String patternKeyFor(String modulePath) {
        for (Map.Entry<String, Pattern> e : patternKeys.entrySet()) {
            if (e.getValue().matcher(modulePath).lookingAt()) {
                return e.getKey();
            }
        }
        return modulePath.substring(modulePath.lastIndexOf('.') + 1);
    }

    /** The rank for the module at {@code modulePath}. */
    public int rankFor(String modulePath) {
        return rankPattern().getOrDefault(patternKeyFor(modulePath), r());
    }

    /** The alpha for the module at {@code modulePath}. */
    public int alphaFor(String modulePath) {
        return alphaPattern().getOrDefault(patternKeyFor(modulePath), alpha());
    }

    // ---------------------------------------------------------------- accessors: see the field constants above

    public int r() {
        return get(R);
    }

    public int alpha() {
        return get(ALPHA);
    }

    public double rankDropout() {
        return get(RANK_DROPOUT);
    }

    public double moduleDropout() {
        return get(MODULE_DROPOUT);
    }

    public boolean useEffectiveConv2d() {
        return get(USE_EFFECTIVE_CONV2D);
    }

    public boolean initWeights() {
        return get(INIT_WEIGHTS);
    }

    /**
     * Setters for the shared fields, named as the keys in camelCase.
     *
     * @param <B> the concrete builder
     * @param <C> the config it builds
     */
    public abstract static class Builder<B extends Builder<B, C>, C extends LycorisConfig>
            extends PeftConfig.Builder<B, C> implements TargetedConfig.LayersBuilder<B>, PatternedConfig.Builder<B> {

        protected Builder(ConfigSchema<C> schema) {
            super(schema);
        }

        public B r(int r) {
            return set(R, r);
        }

        public B alpha(int alpha) {
            return set(ALPHA, alpha);
        }

        public B rankDropout(double p) {
            return set(RANK_DROPOUT, p);
        }

        public B moduleDropout(double p) {
            return set(MODULE_DROPOUT, p);
        }

        public B useEffectiveConv2d(boolean v) {
            return set(USE_EFFECTIVE_CONV2D, v);
        }

        public B initWeights(boolean init) {
            return set(INIT_WEIGHTS, init);
        }
    }
}
