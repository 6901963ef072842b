package ai.peft4j.tuners.ia3;

import ai.peft4j.config.Buildable;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.TargetedConfig;
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
 * IA3Config.SCHEMA.fromJson(config.toJson()).equals(config);  // true
 * }</pre>
 *
 * <p>Each field is declared once below, as a {@link ConfigField} constant that documents it; the accessors and
 * builder methods are one-line views of these constants. {@code target_modules}, {@code exclude_modules} and {@code
 * modules_to_save} are the keys every layer-injecting method has, declared in {@link TargetedConfig}.
 *
 * <p><b>File format.</b> {@link #toJson()} writes the keys PEFT 0.10 writes, and {@code exclude_modules} (from later
 * PEFT versions) only when set. PEFT saves the target and feed-forward modules it filled in from the model type, and
 * so does peft4j: the config of an applied adapter ({@code peft.peftConfig()}) names them.
 */
public final class IA3Config extends PeftConfig implements TargetedConfig, Buildable<IA3Config.Builder> {

    // ---------------------------------------------------------------- fields, in PEFT's order

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
            Builder::new,
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
        TargetedConfig.checkExcludeModules(this);
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

    public ModuleSelector feedforwardModules() {
        return get(FEEDFORWARD_MODULES);
    }

    public boolean fanInFanOut() {
        return get(FAN_IN_FAN_OUT);
    }

    public boolean initIa3Weights() {
        return get(INIT_IA3_WEIGHTS);
    }

    // ---------------------------------------------------------------- builder

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Collects IA3 settings; {@link #build()} validates them. Defaults are PEFT's. One setter per field, named as the
     * field in camelCase (see the constants for what each means); overloads take other forms of the value.
     */
    public static final class Builder extends PeftConfig.Builder<Builder, IA3Config>
            implements TargetedConfig.Builder<Builder> {
        private Builder() {
            super(SCHEMA);
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

        public Builder initIa3Weights(boolean init) {
            return set(INIT_IA3_WEIGHTS, init);
        }
    }
}
