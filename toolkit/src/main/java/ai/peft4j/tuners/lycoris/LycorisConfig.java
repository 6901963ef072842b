package ai.peft4j.tuners.lycoris;

import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigField.OneOrList;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.PatternKeys;
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
 * <p>PEFT 0.10 checks little here: a rank that is not positive fails when the layer is made, and a missing
 * {@code target_modules} fails when the adapter is added (LyCORIS methods have no default targets).
 */
public abstract class LycorisConfig extends PeftConfig implements TargetedConfig {

    /** {@code rank_pattern}: ranks for particular modules, by key (see {@link #patternKeyFor}). */
    public static final ConfigField<Map<String, Integer>> RANK_PATTERN = ConfigField.intMap("rank_pattern", false)
            .check(m -> PatternKeys.invalidKey(m.keySet()))
            .check(m -> m.entrySet().stream()
                    .filter(e -> e.getValue() == null || e.getValue() <= 0)
                    .findFirst()
                    .map(e -> "the rank for \"" + e.getKey() + "\" must be a positive integer, found " + e.getValue())
                    .orElse(null));

    /** {@code alpha_pattern}: alphas for particular modules, by key like {@link #RANK_PATTERN}. */
    public static final ConfigField<Map<String, Integer>> ALPHA_PATTERN = ConfigField.intMap("alpha_pattern", true)
            .check(m -> PatternKeys.invalidKey(m.keySet()))
            .check(m -> m.values().stream().allMatch(a -> a != null), m -> "every key needs an alpha, found " + m);

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

    /** {@code target_modules}: the modules to adapt, by name or one regex; required (no default targets). */
    public static final ConfigField<ModuleSelector> TARGET_MODULES = ModuleSelector.configField("target_modules", false)
            .check(
                    t -> t.isRegex() || t.names().stream().noneMatch(ModuleSelector::isAllLinear),
                    t -> "\"" + ModuleSelector.ALL_LINEAR
                            + "\" is only understood as a plain string, not inside a list; " + "use targetAllLinear()");

    /** {@code exclude_modules} (later PEFT): modules never to adapt; written only when set, as for LoRA. */
    public static final ConfigField<ModuleSelector> EXCLUDE_MODULES =
            ModuleSelector.configField("exclude_modules", true).writtenOnlyWhenSet();

    /** {@code init_weights}: {@code true} starts as a no-op (one factor zero); {@code false} draws every factor. */
    public static final ConfigField<Boolean> INIT_WEIGHTS = ConfigField.bool("init_weights", true);

    /** {@code layers_to_transform}: the layer indices to adapt, or {@code null} for every layer. */
    public static final ConfigField<OneOrList<Integer>> LAYERS_TO_TRANSFORM = ConfigField.intOrList(
                    "layers_to_transform", "null, a layer index, or a list of layer indices")
            .check(
                    l -> l.items().stream().allMatch(i -> i != null && i >= 0),
                    l -> "layer indices must be >= 0, found " + l.items());

    /** {@code layers_pattern}: the name of the layer container ({@code "layers"}, {@code "h"}). */
    public static final ConfigField<OneOrList<String>> LAYERS_PATTERN = ConfigField.stringOrList("layers_pattern")
            .check(
                    l -> l.items().stream().allMatch(p -> p != null && !p.isEmpty()),
                    l -> "entries must be non-empty strings, found " + l.items());

    /** {@code modules_to_save}: other modules trained and saved in full, or {@code null}. */
    public static final ConfigField<List<String>> MODULES_TO_SAVE = ConfigField.stringList("modules_to_save")
            .check(
                    l -> l.stream().noneMatch(n -> n == null || n.isEmpty()),
                    l -> "names must be non-empty strings, found " + l);

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
        String contradiction = targetModules() == null || excludeModules() == null
                ? null
                : targetModules().contradiction(excludeModules());
        if (contradiction != null) {
            throw new PeftConfigException("key 'exclude_modules' " + contradiction);
        }
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

    @Override
    public ModuleSelector targetModules() {
        return get(TARGET_MODULES);
    }

    @Override
    public ModuleSelector excludeModules() {
        return get(EXCLUDE_MODULES);
    }

    public boolean initWeights() {
        return get(INIT_WEIGHTS);
    }

    @Override
    public List<Integer> layersToTransform() {
        return OneOrList.itemsOf(get(LAYERS_TO_TRANSFORM));
    }

    @Override
    public List<String> layersPattern() {
        return OneOrList.itemsOf(get(LAYERS_PATTERN));
    }

    public Map<String, Integer> rankPattern() {
        return get(RANK_PATTERN);
    }

    public Map<String, Integer> alphaPattern() {
        return get(ALPHA_PATTERN);
    }

    public List<String> modulesToSave() {
        return get(MODULES_TO_SAVE);
    }

    /**
     * Setters for the shared fields, named as the keys in camelCase.
     *
     * @param <B> the concrete builder
     * @param <C> the config it builds
     */
    public abstract static class Builder<B extends Builder<B, C>, C extends LycorisConfig>
            extends PeftConfig.Builder<B, C> {

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

        public B targetModules(ModuleSelector selector) {
            return set(TARGET_MODULES, selector);
        }
        /** Target modules by name: a module whose path equals a name or ends with {@code "." + name}. */
        public B targetModules(String... names) {
            return targetModules(ModuleSelector.names(names));
        }

        public B targetModules(Collection<String> names) {
            return targetModules(ModuleSelector.namesOrNull(names));
        }
        /** Target modules by a regex that must match the whole module path. */
        public B targetModulesRegex(String regex) {
            return targetModules(ModuleSelector.regexOrNull(regex));
        }
        /** Every linear layer except the output head (PEFT's {@code "all-linear"}). */
        public B targetAllLinear() {
            return targetModulesRegex(ModuleSelector.ALL_LINEAR);
        }

        public B excludeModules(ModuleSelector selector) {
            return set(EXCLUDE_MODULES, selector);
        }

        public B excludeModules(String... names) {
            return excludeModules(names.length == 0 ? null : ModuleSelector.names(names));
        }

        public B initWeights(boolean init) {
            return set(INIT_WEIGHTS, init);
        }

        public B layersToTransform(int layer) {
            return set(LAYERS_TO_TRANSFORM, OneOrList.one(layer));
        }

        public B layersToTransform(List<Integer> layers) {
            return set(LAYERS_TO_TRANSFORM, OneOrList.list(layers));
        }

        public B layersPattern(String pattern) {
            return set(LAYERS_PATTERN, OneOrList.one(pattern));
        }

        public B rankPattern(Map<String, Integer> rankPattern) {
            return set(RANK_PATTERN, rankPattern);
        }

        public B alphaPattern(Map<String, Integer> alphaPattern) {
            return set(ALPHA_PATTERN, alphaPattern);
        }

        public B modulesToSave(String... names) {
            return modulesToSave(Arrays.asList(names));
        }

        public B modulesToSave(List<String> names) {
            return set(MODULES_TO_SAVE, names);
        }
    }
}
