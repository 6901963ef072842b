package ai.peft4j.tuners.lora;

import ai.peft4j.config.Buildable;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.PatternKeys;
import ai.peft4j.tuners.PatternedConfig;
import ai.peft4j.tuners.TargetedConfig;
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
 * LoraConfig again = LoraConfig.SCHEMA.fromJson(config.toJson());       // equal to config
 * }</pre>
 *
 * <p>Each field is declared once below, as a {@link ConfigField} constant that documents it; the accessors and
 * builder methods are one-line views of these constants ({@code r()} and {@code r(int)} for {@link #R}). The keys
 * LoRA shares with other methods ({@code target_modules}, {@code exclude_modules}, {@code layers_to_transform},
 * {@code layers_pattern}, {@code modules_to_save}; {@code rank_pattern}, {@code alpha_pattern}) are declared in
 * {@link TargetedConfig} and {@link PatternedConfig}, which give their accessors and setters.
 *
 * <p><b>File format.</b> {@link #toJson()} writes all keys PEFT 0.10 writes, including those peft4j does not use
 * ({@code megatron_config}, {@code loftq_config}...), so that a file survives a round trip unchanged, and
 * {@code exclude_modules} (from later PEFT versions) only when set. The keys kept only for round trips have no
 * accessor of their own: {@code config.get(LoraConfig.MEGATRON_CORE)}, {@code builder.set(LoraConfig.MEGATRON_CORE,
 * null)}.
 *
 * <p><b>DoRA.</b> {@code useDora(true)} builds PEFT 0.10's DoRA adapters: see {@link LoraLinear} for the math.
 *
 * <p><b>Not supported yet.</b> Layer replication ({@code layer_replication}) is
 * rejected when building or reading, before any model is touched. Options of later PEFT versions
 * ({@code init_lora_weights = "pissa"}, ...) are rejected with a message saying so.
 */
public final class LoraConfig extends PeftConfig
        implements TargetedConfig, PatternedConfig, Buildable<LoraConfig.Builder> {

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

    /** PEFT's default for {@code megatron_core}. */
    public static final String DEFAULT_MEGATRON_CORE = "megatron.core";

    // ---------------------------------------------------------------- fields, in the order they are read

    /** {@code r}: the rank of the update; positive. Default 8. */
    public static final ConfigField<Integer> R =
            ConfigField.integer("r", 8).check(r -> r > 0, r -> "the LoRA rank must be a positive integer, found " + r);

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

    /** {@code init_lora_weights}: how the adapter matrices start; default {@link InitLoraWeights#TRUE}. */
    public static final ConfigField<InitLoraWeights> INIT_LORA_WEIGHTS = ConfigField.of(
            "init_lora_weights",
            InitLoraWeights.TRUE,
            false,
            (f, k, v) -> InitLoraWeights.fromJson(v),
            InitLoraWeights::jsonValue);

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
     * {@code layer_replication}: ranges of base layers to stack into a deeper model; kept for round trips, and
     * refused unless {@code null} or empty, as peft4j does not implement it yet (see {@link LayerRange}).
     */
    public static final ConfigField<List<LayerRange>> LAYER_REPLICATION = LayerRange.configField("layer_replication");

    /** The fields of a LoRA config and how to create one; declared after the fields it lists. */
    public static final ConfigSchema<LoraConfig> SCHEMA = ConfigSchema.of(
            PeftType.LORA,
            LoraConfig.class,
            LoraConfig::new,
            Builder::new,
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
        TargetedConfig.checkExcludeModules(this);
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

    public boolean fanInFanOut() {
        return get(FAN_IN_FAN_OUT);
    }

    public Bias bias() {
        return get(BIAS);
    }

    public boolean useRslora() {
        return get(USE_RSLORA);
    }

    public InitLoraWeights initLoraWeights() {
        return get(INIT_LORA_WEIGHTS);
    }

    public Map<String, Object> loftqConfig() {
        return get(LOFTQ_CONFIG);
    }

    public boolean useDora() {
        return get(USE_DORA);
    }

    // ---------------------------------------------------------------- builder

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Collects LoRA settings; {@link #build()} validates them. Defaults are PEFT's. One setter per field, named as
     * the field in camelCase (see the constants for what each means); overloads take other forms of the value.
     */
    public static final class Builder extends PeftConfig.Builder<Builder, LoraConfig>
            implements TargetedConfig.LayersBuilder<Builder>, PatternedConfig.Builder<Builder> {
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

        public Builder loftqConfig(Map<String, ?> config) {
            return set(LOFTQ_CONFIG, jsonObject(config));
        }

        public Builder useDora(boolean useDora) {
            return set(USE_DORA, useDora);
        }
    }
}
