package ai.peft4j.tuners.lora;

import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigField.OneOrList;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.PatternKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The settings of a LoRA adapter, with every field of PEFT 0.10's {@code LoraConfig} and the same defaults.
 * Immutable; create one with {@link #builder()}, which validates with PEFT's rules.
 *
 * <pre>{@code
 * LoraConfig config = LoraConfig.builder()
 *         .r(16).loraAlpha(32).loraDropout(0.05)
 *         .targetModules("q_proj", "v_proj")        // or .targetModulesRegex(".*(q|v)_proj")
 *         .taskType(TaskType.CAUSAL_LM)
 *         .build();
 * config.toJson();                                  // what PEFT writes to adapter_config.json
 * config.rankFor("model.decoder.layers.0.self_attn.q_proj");   // 16
 * LoraConfig again = LoraConfig.fromJson(config.toJson());       // equal to config
 * }</pre>
 *
 * <p>Each field is declared once below, as a {@link ConfigField} constant that documents it; the accessors and
 * builder methods are one-line views of these constants ({@code r()} and {@code r(int)} for {@link #R}).
 *
 * <p><b>File format.</b> {@link #toJson()} writes all keys PEFT 0.10 writes, including those peft4j does not use
 * ({@code megatron_config}, {@code loftq_config}...), so that a file survives a round trip unchanged, and
 * {@code exclude_modules} (from later PEFT versions) only when set.
 *
 * <p><b>DoRA.</b> {@code useDora(true)} builds PEFT 0.10's DoRA adapters: see {@link LoraLinear} for the math.
 *
 * <p><b>Not supported yet.</b> Layer replication ({@code layer_replication}) is
 * rejected when building or reading, before any model is touched. Options of later PEFT versions
 * ({@code init_lora_weights = "pissa"}, ...) are rejected with a message saying so.
 */
public final class LoraConfig extends PeftConfig implements ai.peft4j.tuners.TargetedConfig {

    /** Which biases train along with the adapter ({@code bias}): none (PEFT's default), all, or the adapted layers'. */
    public enum Bias {
        NONE,
        ALL,
        LORA_ONLY;

        /** The string PEFT writes. */
        public String jsonValue() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The constant for PEFT's string, or an error listing the allowed ones. */
        public static Bias fromJson(String value) {
            return ConfigField.lookup(
                    "bias", value, values(), Bias::jsonValue, "one of \"none\", \"all\", \"lora_only\"");
        }
    }

    /** How the adapter matrices start ({@code init_lora_weights}: {@code true}, {@code false} or a string). */
    public enum InitLoraWeights {
        /** {@code true}: A random (Kaiming-uniform), B zero, so the adapter starts as a no-op (PEFT's default). */
        TRUE,
        /** {@code false}: both A and B random, so the adapter changes the output from the start (for tests). */
        FALSE,
        /** {@code "gaussian"}: A from a normal distribution scaled by the rank, B zero. */
        GAUSSIAN,
        /** {@code "loftq"}: LoftQ initialisation from a quantised base model; needs {@code loftq_config}. */
        LOFTQ;

        /** The value PEFT writes: a {@link Boolean} or a {@link String}. */
        public Object jsonValue() {
            return this == TRUE || this == FALSE ? (Object) (this == TRUE) : name().toLowerCase(Locale.ROOT);
        }

        /** The constant for a JSON value, or an error saying which values PEFT 0.10 accepts. */
        public static InitLoraWeights fromJson(Object value) {
            if (value instanceof String s && !s.equals("gaussian") && !s.equals("loftq")) {
                throw new PeftConfigException("key 'init_lora_weights': \"" + s + "\" is not supported by peft4j, "
                        + "which follows PEFT 0.10; expected true, false, \"gaussian\" or \"loftq\" (options such "
                        + "as \"pissa\", \"olora\" or \"eva\" came with later PEFT versions)");
            }
            return ConfigField.lookup(
                    "init_lora_weights",
                    value,
                    values(),
                    InitLoraWeights::jsonValue,
                    "true, false, \"gaussian\" or \"loftq\"");
        }
    }

    /** One entry of {@code layer_replication}: the range {@code [start, end)} of base layers to stack. */
    public record LayerRange(int start, int end) {
        public LayerRange {
            if (start < 0 || end <= start) {
                throw new PeftConfigException("key 'layer_replication': each range [start, end) needs "
                        + "0 <= start < end, found [" + start + ", " + end + "]");
            }
        }
    }

    /** PEFT's default for {@code megatron_core}. */
    public static final String DEFAULT_MEGATRON_CORE = "megatron.core";

    // ---------------------------------------------------------------- fields, in the order they are read

    /** {@code r}: the rank of the update; positive. Default 8. */
    public static final ConfigField<Integer> R =
            ConfigField.integer("r", 8).check(r -> r > 0, r -> "the LoRA rank must be a positive integer, found " + r);

    /**
     * {@code target_modules}: the modules to adapt, by name (a module whose path equals a name or ends with
     * {@code "." + name}) or by one regex over the whole path; {@code null} means the architecture's defaults.
     */
    public static final ConfigField<ModuleSelector> TARGET_MODULES = ModuleSelector.configField("target_modules", false)
            .check(
                    t -> t.isRegex() || t.names().stream().noneMatch(ModuleSelector::isAllLinear),
                    t -> "\"" + ModuleSelector.ALL_LINEAR
                            + "\" is only understood as a plain string, not inside a list; " + "use targetAllLinear()");

    /**
     * {@code exclude_modules} (later PEFT): modules never to adapt, checked before the targets; {@code null} for none.
     * Written only when set: PEFT 0.10 fails on keys it does not know, so a {@code null} would lock it out.
     */
    public static final ConfigField<ModuleSelector> EXCLUDE_MODULES =
            ModuleSelector.configField("exclude_modules", true).writtenOnlyWhenSet();

    /** {@code lora_alpha}: the scaling numerator, the update is multiplied by {@code lora_alpha / r}. Default 8. */
    public static final ConfigField<Integer> LORA_ALPHA = ConfigField.integer("lora_alpha", 8, true);

    /** {@code lora_dropout}: dropout probability in [0, 1] on the adapter's input. Default 0.0. */
    public static final ConfigField<Double> LORA_DROPOUT = ConfigField.number("lora_dropout", 0.0)
            .check(p -> p >= 0.0 && p <= 1.0, p -> "expected a probability between 0 and 1, found " + p);

    /** {@code fan_in_fan_out}: whether the target weights are stored transposed (GPT-2's Conv1D). */
    public static final ConfigField<Boolean> FAN_IN_FAN_OUT = ConfigField.bool("fan_in_fan_out", false);

    /** {@code bias}: which biases train along with the adapter; default {@link Bias#NONE}. */
    public static final ConfigField<Bias> BIAS = ConfigField.choice("bias", Bias.NONE, Bias::fromJson, Bias::jsonValue);

    /** {@code use_rslora}: scaling {@code lora_alpha / sqrt(r)} instead of {@code lora_alpha / r}. */
    public static final ConfigField<Boolean> USE_RSLORA = ConfigField.bool("use_rslora", false);

    /** {@code modules_to_save}: other modules trained and saved in full (a classifier head, say), or {@code null}. */
    public static final ConfigField<List<String>> MODULES_TO_SAVE = ConfigField.stringList("modules_to_save")
            .check(
                    l -> l.stream().noneMatch(n -> n == null || n.isEmpty()),
                    l -> "names must be non-empty strings, found " + l);

    /** {@code init_lora_weights}: how the adapter matrices start; default {@link InitLoraWeights#TRUE}. */
    public static final ConfigField<InitLoraWeights> INIT_LORA_WEIGHTS = ConfigField.of(
            "init_lora_weights",
            InitLoraWeights.TRUE,
            false,
            (f, k, v) -> InitLoraWeights.fromJson(v),
            InitLoraWeights::jsonValue);

    /** {@code layers_to_transform}: the layer indices to adapt (one or a list), or {@code null} for every layer. */
    public static final ConfigField<OneOrList<Integer>> LAYERS_TO_TRANSFORM = ConfigField.intOrList(
                    "layers_to_transform", "null, a layer index, or a list of layer indices")
            .check(
                    l -> l.items().stream().allMatch(i -> i != null && i >= 0),
                    l -> "layer indices must be >= 0, found " + l.items());

    /** {@code layers_pattern}: the name of the layer container ({@code "layers"}, {@code "h"}), or several. */
    public static final ConfigField<OneOrList<String>> LAYERS_PATTERN = ConfigField.stringOrList("layers_pattern")
            .check(
                    l -> l.items().stream().allMatch(p -> p != null && !p.isEmpty()),
                    l -> "entries must be non-empty strings, found " + l.items())
            .check(l -> PatternKeys.invalidKey(l.items()));

    /** {@code rank_pattern}: ranks for particular modules, by key (see {@link #patternKeyFor}); order matters. */
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

    /** {@code megatron_config}: kept for round trips; {@code null} by default. */
    public static final ConfigField<Map<String, Object>> MEGATRON_CONFIG = ConfigField.object("megatron_config");

    /** {@code megatron_core}: kept for round trips; default {@value #DEFAULT_MEGATRON_CORE}. */
    public static final ConfigField<String> MEGATRON_CORE = ConfigField.string("megatron_core", DEFAULT_MEGATRON_CORE);

    /** {@code loftq_config}: LoftQ settings ({@code loftq_bits}, {@code loftq_iter}); empty by default. */
    public static final ConfigField<Map<String, Object>> LOFTQ_CONFIG = ConfigField.objectOrEmpty("loftq_config");

    /**
     * {@code use_dora}: DoRA (weight-decomposed LoRA), which adds a trained magnitude per output feature
     * ({@code lora_magnitude_vector}); default false. Linear and Conv1D targets only, as in PEFT 0.10.
     */
    public static final ConfigField<Boolean> USE_DORA = ConfigField.bool("use_dora", false);

    /**
     * {@code layer_replication}: ranges of base layers to stack into a deeper model (PEFT's memory-sharing layer
     * expansion). peft4j does not implement it yet, so anything but {@code null} (or an empty list) is refused:
     * ignoring it would give a model unlike the one the adapter was trained on.
     */
    public static final ConfigField<List<LayerRange>> LAYER_REPLICATION = ConfigField.of(
                    "layer_replication", null, true, LoraConfig::readLayerReplication, l -> l.stream()
                            .map(r -> List.of(r.start(), r.end()))
                            .toList())
            .copiedWith(l -> Collections.unmodifiableList(new ArrayList<>(l)))
            .check(
                    List::isEmpty,
                    l -> "peft4j does not support layer replication yet (found "
                            + l.stream().map(r -> List.of(r.start(), r.end())).toList()
                            + "); an adapter trained with it needs the "
                            + "base model's layers stacked that way, so peft4j cannot apply it");

    /** The fields of a LoRA config and how to create one; declared after the fields it lists. */
    public static final ConfigSchema<LoraConfig> SCHEMA = ConfigSchema.of(
            PeftType.LORA,
            LoraConfig.class,
            LoraConfig::new,
            PeftConfig.FIELDS,
            R,
            TARGET_MODULES,
            EXCLUDE_MODULES,
            LORA_ALPHA,
            LORA_DROPOUT,
            FAN_IN_FAN_OUT,
            BIAS,
            USE_RSLORA,
            MODULES_TO_SAVE,
            INIT_LORA_WEIGHTS,
            LAYERS_TO_TRANSFORM,
            LAYERS_PATTERN,
            RANK_PATTERN,
            ALPHA_PATTERN,
            MEGATRON_CONFIG,
            MEGATRON_CORE,
            LOFTQ_CONFIG,
            USE_DORA,
            LAYER_REPLICATION);

    // rank_pattern keys, then alpha_pattern keys: PEFT 0.10 looks both up with one key (see patternKeyFor).
    private final PatternKeys patternKeys;

    private LoraConfig(Map<ConfigField<?>, Object> values) {
        super(SCHEMA, values);
        this.patternKeys =
                PatternKeys.of(Stream.concat(rankPattern().keySet().stream(), alphaPattern().keySet().stream())
                        .toList());
    }

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Builder toBuilder() {
        return new Builder().from(this);
    }

    /** Reads a LoRA config from JSON text (a missing {@code peft_type} means LORA); unknown keys are logged. */
    public static LoraConfig fromJson(String json) {
        return SCHEMA.fromJson(json);
    }

    /** Reads {@code dir/adapter_config.json}, which must be a LoRA config. */
    public static LoraConfig fromPretrained(Path dir) {
        return SCHEMA.fromPretrained(dir);
    }

    /** {@link PeftConfig#fromPretrained(String)} that must be a LoRA config: a folder or a repo id. */
    public static LoraConfig fromPretrained(String nameOrPath) {
        return SCHEMA.fromPretrained(nameOrPath);
    }

    /** The {@link ai.peft4j.config.PeftConfigRegistry} reader: takes LoRA's keys from a parsed file. */
    public static LoraConfig read(ConfigFields f) {
        return SCHEMA.read(f);
    }

    private static List<LayerRange> readLayerReplication(ConfigFields f, String key, Object v) {
        String expected = "null or a list of [start, end] pairs";
        if (!(v instanceof List<?> list)) {
            throw ConfigFields.wrongType(key, v, expected);
        }
        List<LayerRange> out = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof List<?> pair) || pair.size() != 2) {
                throw ConfigFields.wrongType(key, v, expected + " (bad entry " + ConfigFields.describe(item) + ")");
            }
            out.add(new LayerRange(f.toInt(key, pair.get(0), false), f.toInt(key, pair.get(1), false)));
        }
        return out;
    }

    // ---------------------------------------------------------------- cross-field rules (PEFT's __post_init__)

    @Override
    protected void validate() {
        ModuleSelector targets = targetModules();
        List<Integer> layers = layersToTransform();
        List<String> patterns = layersPattern();
        if (targets != null && targets.isRegex() && (layers != null || patterns != null)) {
            throw new PeftConfigException("key '" + (layers != null ? "layers_to_transform" : "layers_pattern")
                    + "' cannot be combined with a regex 'target_modules' (\"" + targets.regex() + "\"); put the layer "
                    + "numbers into the regex or list the module names instead");
        }
        if (patterns != null && !patterns.isEmpty() && (layers == null || layers.isEmpty())) {
            throw new PeftConfigException("key 'layers_pattern' " + patterns + " only has an effect "
                    + "together with 'layers_to_transform', which is not set");
        }
        if (initLoraWeights() == InitLoraWeights.LOFTQ && loftqConfig().isEmpty()) {
            throw new PeftConfigException("key 'loftq_config' must be set (e.g. {\"loftq_bits\": 4, "
                    + "\"loftq_iter\": 1}) when 'init_lora_weights' is \"loftq\"; found {}");
        }
        String contradiction =
                targets == null || excludeModules() == null ? null : targets.contradiction(excludeModules());
        if (contradiction != null) {
            throw new PeftConfigException("key 'exclude_modules' " + contradiction);
        }
    }

    // ---------------------------------------------------------------- per-module values

    /** The rank of the adapter on {@code modulePath}: its {@code rank_pattern} entry, else {@link #r()}. */
    public int rankFor(String modulePath) {
        return rankPattern().getOrDefault(patternKeyFor(modulePath), r());
    }

    /** The alpha of the adapter on {@code modulePath}, chosen like {@link #rankFor(String)}. */
    public int alphaFor(String modulePath) {
        return alphaPattern().getOrDefault(patternKeyFor(modulePath), loraAlpha());
    }

    /**
     * The pattern key PEFT 0.10 uses for a module: the first key of {@code rank_pattern}, then of
     * {@code alpha_pattern} (each in file order) that {@link PatternKeys} finds for the path, else the path itself.
     *
     * <p>One key serves both lookups. So if a {@code rank_pattern} key matches first, an {@code alpha_pattern}
     * entry under a different key is not used for that module (PEFT 0.14 and later look the two up separately).
     * peft4j keeps the 0.10 behaviour so that an adapter behaves as it did when it was trained.
     */
    public String patternKeyFor(String modulePath) {
        return patternKeys.keyFor(modulePath);
    }

    // ---------------------------------------------------------------- accessors: see the field constants above

    public int r() {
        return get(R);
    }

    public int loraAlpha() {
        return get(LORA_ALPHA);
    }

    public double loraDropout() {
        return get(LORA_DROPOUT);
    }

    public ModuleSelector targetModules() {
        return get(TARGET_MODULES);
    }

    public ModuleSelector excludeModules() {
        return get(EXCLUDE_MODULES);
    }

    public boolean fanInFanOut() {
        return get(FAN_IN_FAN_OUT);
    }

    public Bias bias() {
        return get(BIAS);
    }

    public boolean useRslora() {
        return get(USE_RSLORA);
    }

    public List<String> modulesToSave() {
        return get(MODULES_TO_SAVE);
    }

    public InitLoraWeights initLoraWeights() {
        return get(INIT_LORA_WEIGHTS);
    }
    /** {@code layers_to_transform} as a list (a single index becomes a one-element list), or {@code null}. */
    public List<Integer> layersToTransform() {
        return OneOrList.itemsOf(get(LAYERS_TO_TRANSFORM));
    }
    /** {@code layers_pattern} as a list (a single string becomes a one-element list), or {@code null}. */
    public List<String> layersPattern() {
        return OneOrList.itemsOf(get(LAYERS_PATTERN));
    }

    public Map<String, Integer> rankPattern() {
        return get(RANK_PATTERN);
    }

    public Map<String, Integer> alphaPattern() {
        return get(ALPHA_PATTERN);
    }

    public Map<String, Object> megatronConfig() {
        return get(MEGATRON_CONFIG);
    }

    public String megatronCore() {
        return get(MEGATRON_CORE);
    }

    public Map<String, Object> loftqConfig() {
        return get(LOFTQ_CONFIG);
    }

    public boolean useDora() {
        return get(USE_DORA);
    }

    public List<LayerRange> layerReplication() {
        return get(LAYER_REPLICATION);
    }

    // ---------------------------------------------------------------- builder

    /**
     * Collects LoRA settings; {@link #build()} validates them. Defaults are PEFT's. One setter per field, named as
     * the field in camelCase (see the constants for what each means); overloads take other forms of the value.
     */
    public static final class Builder extends PeftConfig.Builder<Builder, LoraConfig> {
        private Builder() {
            super(SCHEMA);
        }

        public Builder r(int r) {
            return set(R, r);
        }

        public Builder loraAlpha(int loraAlpha) {
            return set(LORA_ALPHA, loraAlpha);
        }

        public Builder loraDropout(double loraDropout) {
            return set(LORA_DROPOUT, loraDropout);
        }

        public Builder targetModules(ModuleSelector selector) {
            return set(TARGET_MODULES, selector);
        }
        /** Target modules by name: a module whose path equals a name or ends with {@code "." + name}. */
        public Builder targetModules(String... names) {
            return targetModules(ModuleSelector.names(names));
        }

        public Builder targetModules(Collection<String> names) {
            return targetModules(ModuleSelector.namesOrNull(names));
        }
        /** Target modules by a regex that must match the whole module path. */
        public Builder targetModulesRegex(String regex) {
            return targetModules(ModuleSelector.regexOrNull(regex));
        }
        /** Every linear layer except the output head (PEFT's {@code "all-linear"}). */
        public Builder targetAllLinear() {
            return targetModulesRegex(ModuleSelector.ALL_LINEAR);
        }

        public Builder excludeModules(ModuleSelector selector) {
            return set(EXCLUDE_MODULES, selector);
        }

        public Builder excludeModules(String... names) {
            return excludeModules(names.length == 0 ? null : ModuleSelector.names(names));
        }

        public Builder excludeModulesRegex(String regex) {
            return excludeModules(ModuleSelector.regexOrNull(regex));
        }

        public Builder fanInFanOut(boolean fanInFanOut) {
            return set(FAN_IN_FAN_OUT, fanInFanOut);
        }

        public Builder bias(Bias bias) {
            return set(BIAS, bias);
        }
        /** The bias mode by PEFT's name: {@code "none"}, {@code "all"} or {@code "lora_only"}. */
        public Builder bias(String bias) {
            return bias(Bias.fromJson(bias));
        }

        public Builder useRslora(boolean useRslora) {
            return set(USE_RSLORA, useRslora);
        }

        public Builder modulesToSave(String... names) {
            return modulesToSave(Arrays.asList(names));
        }

        public Builder modulesToSave(List<String> names) {
            return set(MODULES_TO_SAVE, names);
        }

        public Builder initLoraWeights(InitLoraWeights init) {
            return set(INIT_LORA_WEIGHTS, init);
        }
        /** {@code true}: PEFT's default start (B = 0); {@code false}: random A and B. */
        public Builder initLoraWeights(boolean init) {
            return initLoraWeights(InitLoraWeights.fromJson(init));
        }
        /** {@code "gaussian"} or {@code "loftq"}. */
        public Builder initLoraWeights(String init) {
            return initLoraWeights(InitLoraWeights.fromJson(init));
        }
        /** A single layer index (written as a number). */
        public Builder layersToTransform(int layer) {
            return set(LAYERS_TO_TRANSFORM, OneOrList.one(layer));
        }
        /** Layer indices (written as a list). */
        public Builder layersToTransform(int... layers) {
            return layersToTransform(Arrays.stream(layers).boxed().toList());
        }
        /** Layer indices (written as a list); {@code null} for all layers. */
        public Builder layersToTransform(List<Integer> layers) {
            return set(LAYERS_TO_TRANSFORM, OneOrList.list(layers));
        }
        /** The name of the layer container, such as {@code "layers"} or {@code "h"} (written as a string). */
        public Builder layersPattern(String pattern) {
            return set(LAYERS_PATTERN, OneOrList.one(pattern));
        }
        /** Several candidate names for the layer container (written as a list). */
        public Builder layersPattern(List<String> patterns) {
            return set(LAYERS_PATTERN, OneOrList.list(patterns));
        }

        public Builder rankPattern(Map<String, Integer> rankPattern) {
            return set(RANK_PATTERN, rankPattern);
        }

        public Builder alphaPattern(Map<String, Integer> alphaPattern) {
            return set(ALPHA_PATTERN, alphaPattern);
        }

        public Builder megatronConfig(Map<String, ?> config) {
            return set(MEGATRON_CONFIG, jsonObject(config));
        }

        public Builder megatronCore(String megatronCore) {
            return set(MEGATRON_CORE, megatronCore);
        }

        public Builder loftqConfig(Map<String, ?> config) {
            return set(LOFTQ_CONFIG, jsonObject(config));
        }

        public Builder useDora(boolean useDora) {
            return set(USE_DORA, useDora);
        }

        public Builder layerReplication(List<LayerRange> ranges) {
            return set(LAYER_REPLICATION, ranges);
        }
    }
}
