package ai.peft4j.tuners.ia3;

import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.TargetedConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The settings of an (IA)³ adapter, with every field of PEFT 0.10's {@code IA3Config} and the same defaults.
 * (IA)³ learns one vector per targeted layer: for an attention layer it scales the layer's output, for a
 * feed-forward layer ({@code feedforward_modules}) it scales the layer's input. Immutable; create one with
 * {@link #builder()} (or {@code Peft.ia3()}), which validates with PEFT's rules.
 *
 * <pre>{@code
 * IA3Config config = IA3Config.builder()
 *         .targetModules("q_proj", "k_proj", "fc2")
 *         .feedforwardModules("fc2")                   // must be among the targets
 *         .taskType(TaskType.CAUSAL_LM)
 *         .build();
 * IA3Config byDefault = IA3Config.builder().build();   // targets and feed-forward modules from the model type
 * PeftModel peft = Peft.getPeftModel(opt, byDefault);  // OPT: q_proj, k_proj, fc2 (fc2 feed-forward)
 * config.toJson();                                     // what PEFT writes to adapter_config.json
 * IA3Config.fromJson(config.toJson()).equals(config);  // true
 * }</pre>
 *
 * <p>Each field is declared once below, as a {@link ConfigField} constant that documents it; the accessors and
 * builder methods are one-line views of these constants.
 *
 * <p><b>File format.</b> {@link #toJson()} writes the keys PEFT 0.10 writes, and {@code exclude_modules} (from later
 * PEFT versions) only when set. PEFT saves the target and feed-forward modules it filled in from the model type, and
 * so does peft4j: the config of an applied adapter ({@code peft.peftConfig()}) names them.
 */
public final class IA3Config extends PeftConfig implements TargetedConfig {

    // ---------------------------------------------------------------- fields, in PEFT's order

    /**
     * {@code target_modules}: the modules that get a vector, by name (a module whose path equals a name or ends with
     * {@code "." + name}) or by one regex over the whole path, or {@code "all-linear"}; {@code null} means the
     * architecture's defaults (OPT: {@code q_proj}, {@code k_proj}, {@code fc2}).
     */
    public static final ConfigField<ModuleSelector> TARGET_MODULES = ModuleSelector.configField("target_modules", false)
            .check(
                    t -> t.isRegex() || t.names().stream().noneMatch(ModuleSelector::isAllLinear),
                    t -> "\"" + ModuleSelector.ALL_LINEAR
                            + "\" is only understood as a plain string, not inside a list; " + "use targetAllLinear()");

    /**
     * {@code exclude_modules} (later PEFT): modules never to adapt, checked before the targets; {@code null} for none.
     * Written only when set: PEFT 0.10 fails on keys it does not know.
     */
    public static final ConfigField<ModuleSelector> EXCLUDE_MODULES =
            ModuleSelector.configField("exclude_modules", true).writtenOnlyWhenSet();

    /**
     * {@code feedforward_modules}: which targets are feed-forward layers, whose input (not output) is scaled. A list
     * of names, each matched as the end of the module path (PEFT's plain {@code str.endswith}), or a regex that must
     * match the whole path; {@code []} for none; {@code null} means the architecture's defaults (OPT: {@code fc2}).
     * A list must be a subset of a list-form {@code target_modules}.
     */
    public static final ConfigField<ModuleSelector> FEEDFORWARD_MODULES = ConfigField.of(
                    "feedforward_modules", null, true, IA3Config::readModules, ModuleSelector::toJsonValue)
            .comparedAs(s -> s);

    /**
     * {@code fan_in_fan_out}: whether the target weights are stored {@code [in, out]} (GPT-2's Conv1D). As in PEFT it
     * follows the target layers when the adapter is applied (false for Linear, true for Conv1D, with a warning).
     */
    public static final ConfigField<Boolean> FAN_IN_FAN_OUT = ConfigField.bool("fan_in_fan_out", false);

    /** {@code modules_to_save}: other modules trained and saved in full (a classifier head, say), or {@code null}. */
    public static final ConfigField<List<String>> MODULES_TO_SAVE = ConfigField.stringList("modules_to_save")
            .check(
                    l -> l.stream().noneMatch(n -> n == null || n.isEmpty()),
                    l -> "names must be non-empty strings, found " + l);

    /**
     * {@code init_ia3_weights}: {@code true} (PEFT's default) starts every vector at ones, so a new adapter computes
     * as the base model; {@code false} leaves them at N(0, 1) draws, which PEFT discourages except for tests.
     */
    public static final ConfigField<Boolean> INIT_IA3_WEIGHTS = ConfigField.bool("init_ia3_weights", true);

    /** The fields of an IA3 config and how to create one; declared after the fields it lists. */
    public static final ConfigSchema<IA3Config> SCHEMA = ConfigSchema.of(
            PeftType.IA3,
            IA3Config.class,
            IA3Config::new,
            PeftConfig.FIELDS,
            TARGET_MODULES,
            EXCLUDE_MODULES,
            FEEDFORWARD_MODULES,
            FAN_IN_FAN_OUT,
            MODULES_TO_SAVE,
            INIT_IA3_WEIGHTS);

    private IA3Config(Map<ConfigField<?>, Object> values) {
        super(SCHEMA, values);
    }

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Builder toBuilder() {
        return new Builder().from(this);
    }

    /** Reads an IA3 config from JSON text (a missing {@code peft_type} means IA3); unknown keys are logged. */
    public static IA3Config fromJson(String json) {
        return SCHEMA.fromJson(json);
    }

    /** Reads {@code dir/adapter_config.json}, which must be an IA3 config. */
    public static IA3Config fromPretrained(Path dir) {
        return SCHEMA.fromPretrained(dir);
    }

    /** {@link PeftConfig#fromPretrained(String)} that must be an IA3 config: a folder or a repo id. */
    public static IA3Config fromPretrained(String nameOrPath) {
        return SCHEMA.fromPretrained(nameOrPath);
    }

    /** The {@link ai.peft4j.config.PeftConfigRegistry} reader: takes IA3's keys from a parsed file. */
    public static IA3Config read(ConfigFields f) {
        return SCHEMA.read(f);
    }

    /** A list of names (possibly empty), a regex string, or null, as PEFT accepts for feedforward_modules. */
    private static ModuleSelector readModules(ConfigFields f, String key, Object v) {
        try {
            if (v instanceof String s) {
                return ModuleSelector.regex(s);
            }
            List<String> names = f.stringList(key, v, "a list of module names, a regex string, or null");
            return names.isEmpty() ? ModuleSelector.emptyNames() : ModuleSelector.names(names);
        } catch (PeftConfigException e) {
            if (e.getMessage().startsWith("key '")) {
                throw e;
            }
            throw new PeftConfigException("key '" + key + "': " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- cross-field rules (PEFT's __post_init__)

    @Override
    protected void validate() {
        ModuleSelector targets = targetModules();
        ModuleSelector feedforward = feedforwardModules();
        // PEFT checks the subset rule only when both are lists (a regex or "all-linear" cannot be compared).
        if (targets != null
                && !targets.isRegex()
                && feedforward != null
                && !feedforward.isRegex()
                && !targets.names().containsAll(feedforward.names())) {
            List<String> outside = new ArrayList<>(feedforward.names());
            outside.removeAll(targets.names());
            throw new PeftConfigException("key 'feedforward_modules' should be a subset of 'target_modules': "
                    + outside + " " + (outside.size() == 1 ? "is" : "are") + " not among the targets " + targets
                    + "; add " + (outside.size() == 1 ? "it" : "them") + " to target_modules or drop "
                    + (outside.size() == 1 ? "it" : "them") + " from feedforward_modules");
        }
        String contradiction =
                targets == null || excludeModules() == null ? null : targets.contradiction(excludeModules());
        if (contradiction != null) {
            throw new PeftConfigException("key 'exclude_modules' " + contradiction);
        }
    }

    // ---------------------------------------------------------------- per-module values

    /**
     * Whether the module at {@code modulePath} (its path in the base model) is a feed-forward layer, so that its
     * vector scales the input: PEFT's {@code _check_target_module_feedforward}, i.e. a full regex match, or a name
     * the path ends with (plain {@code endswith}, no dot needed). False while {@code feedforward_modules} is unset.
     */
    public boolean isFeedforward(String modulePath) {
        ModuleSelector feedforward = feedforwardModules();
        if (feedforward == null) {
            return false;
        }
        if (feedforward.isRegex()) {
            return !feedforward.isAllLinear() && feedforward.selects(modulePath);
        }
        return feedforward.names().stream().anyMatch(modulePath::endsWith);
    }

    // ---------------------------------------------------------------- accessors: see the field constants above

    @Override
    public ModuleSelector targetModules() {
        return get(TARGET_MODULES);
    }

    @Override
    public ModuleSelector excludeModules() {
        return get(EXCLUDE_MODULES);
    }

    public ModuleSelector feedforwardModules() {
        return get(FEEDFORWARD_MODULES);
    }

    public boolean fanInFanOut() {
        return get(FAN_IN_FAN_OUT);
    }

    public List<String> modulesToSave() {
        return get(MODULES_TO_SAVE);
    }

    public boolean initIa3Weights() {
        return get(INIT_IA3_WEIGHTS);
    }

    /** IA3 has no layer filter in PEFT 0.10: every matching layer is adapted. */
    @Override
    public List<Integer> layersToTransform() {
        return null;
    }

    /** IA3 has no layer filter in PEFT 0.10. */
    @Override
    public List<String> layersPattern() {
        return null;
    }

    // ---------------------------------------------------------------- builder

    /**
     * Collects IA3 settings; {@link #build()} validates them. Defaults are PEFT's. One setter per field, named as the
     * field in camelCase (see the constants for what each means); overloads take other forms of the value.
     */
    public static final class Builder extends PeftConfig.Builder<Builder, IA3Config> {
        private Builder() {
            super(SCHEMA);
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

        public Builder feedforwardModules(ModuleSelector selector) {
            return set(FEEDFORWARD_MODULES, selector);
        }
        /** Feed-forward modules by name (the end of the path); no names means none of the targets ({@code []}). */
        public Builder feedforwardModules(String... names) {
            return feedforwardModules(Arrays.asList(names));
        }
        /** Feed-forward modules by name; an empty list means none, {@code null} the model type's defaults. */
        public Builder feedforwardModules(Collection<String> names) {
            return feedforwardModules(
                    names == null ? null : names.isEmpty() ? ModuleSelector.emptyNames() : ModuleSelector.names(names));
        }
        /** Feed-forward modules by a regex that must match the whole module path. */
        public Builder feedforwardModulesRegex(String regex) {
            return feedforwardModules(ModuleSelector.regexOrNull(regex));
        }

        public Builder fanInFanOut(boolean fanInFanOut) {
            return set(FAN_IN_FAN_OUT, fanInFanOut);
        }

        public Builder modulesToSave(String... names) {
            return modulesToSave(Arrays.asList(names));
        }

        public Builder modulesToSave(List<String> names) {
            return set(MODULES_TO_SAVE, names);
        }

        public Builder initIa3Weights(boolean init) {
            return set(INIT_IA3_WEIGHTS, init);
        }
    }
}
