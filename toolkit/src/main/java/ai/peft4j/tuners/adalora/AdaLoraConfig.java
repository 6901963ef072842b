package ai.peft4j.tuners.adalora;

import ai.peft4j.config.Buildable;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.PatternedConfig;
import ai.peft4j.tuners.TargetedConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of an AdaLoRA adapter (PEFT 0.10's {@code AdaLoraConfig}): every field, with PEFT's defaults, those
 * it inherits from {@code LoraConfig} included. AdaLoRA starts every targeted layer at rank {@code init_r} in SVD
 * form and, while training, prunes the least important singular values until the layers average {@code target_r}:
 * nothing is pruned up to step {@code tinit}, the budget then falls on a cubic schedule, every {@code deltaT} steps
 * a mask is applied, and from step {@code total_step - tfinal} the final {@code rank_pattern} is kept. Immutable;
 * create one with {@link #builder()} (or {@code Peft.adalora()}), which validates it.
 *
 * <pre>{@code
 * AdaLoraConfig config = AdaLoraConfig.builder()
 *         .initR(12).targetR(4)                       // start at rank 12, end at 4 on average
 *         .tinit(200).tfinal(500).deltaT(10)
 *         .totalStep(3000)                            // needed to train: the schedule is in steps
 *         .loraAlpha(32)
 *         .taskType(TaskType.CAUSAL_LM)
 *         .build();                                   // targets: the model type's (OPT: q, k, v, out_proj, fc1, fc2)
 * PeftModel peft = Peft.getPeftModel(opt, config);
 * PeftTrainer.builder(peft).trainData(data).build().train();   // calls update_and_allocate after every step
 * peft.peftConfig().get("default");                 // now with rank_pattern, as PEFT saves it
 * AdaLoraConfig.SCHEMA.fromJson(config.toJson()).equals(config);   // true
 * }</pre>
 *
 * <p>Each field is declared once, as a {@link ConfigField} constant that documents it. The keys other layer methods
 * share ({@code target_modules}, {@code layers_to_transform}, ..., {@code alpha_pattern}) are those of {@link
 * TargetedConfig} and {@link PatternedConfig}. {@code rank_pattern} is AdaLoRA's own: not ranks but, per layer, which
 * singular values the allocator kept.
 *
 * <p><b>Inherited but unused</b>, as in PEFT 0.10: {@code r} (the rank is {@code init_r}), {@code use_rslora}
 * (scaling is {@code lora_alpha}, over the current rank), {@code alpha_pattern}, {@code megatron_*}; they are read
 * and written for round trips. Refused: {@code use_dora}, a LoftQ init and {@code layer_replication}, which AdaLoRA
 * layers do not implement.
 */
public final class AdaLoraConfig extends PeftConfig implements TargetedConfig, Buildable<AdaLoraConfig.Builder> {

    /** Which biases train along with the adapter ({@code bias}), as for LoRA. */
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

    // ---------------------------------------------------------------- LoraConfig's fields, in PEFT's order

    /** {@code r}: LoRA's rank, unused by AdaLoRA (see {@link #INIT_R}); default 8. */
    public static final ConfigField<Integer> R =
            ConfigField.integer("r", 8).check(r -> r >= 0, r -> "expected a rank >= 0, found " + r);

    /** {@code lora_alpha}: the update is scaled by {@code lora_alpha / ranknum} (by 1 when it is 0); default 8. */
    public static final ConfigField<Integer> LORA_ALPHA = ConfigField.integer("lora_alpha", 8, true);

    /** {@code lora_dropout}: dropout probability in [0, 1] on the adapter's input; default 0.0. */
    public static final ConfigField<Double> LORA_DROPOUT = ConfigField.number("lora_dropout", 0.0)
            .check(p -> p >= 0.0 && p <= 1.0, p -> "expected a probability between 0 and 1, found " + p);

    /** {@code fan_in_fan_out}: whether target weights are stored {@code [in, out]}; follows the targets when applied. */
    public static final ConfigField<Boolean> FAN_IN_FAN_OUT = ConfigField.bool("fan_in_fan_out", false);

    /** {@code bias}: which biases train along with the adapter; default {@link Bias#NONE}. */
    public static final ConfigField<Bias> BIAS = ConfigField.choice("bias", Bias.NONE, Bias::fromJson, Bias::jsonValue);

    /** {@code use_rslora}: inherited from LoRA and unused by AdaLoRA 0.10; kept for round trips. */
    public static final ConfigField<Boolean> USE_RSLORA = ConfigField.bool("use_rslora", false);

    /**
     * {@code init_lora_weights}: {@code true} (PEFT's default) draws A, B and E from N(0, 0.02²); {@code false} from
     * N(0, 1). Neither start is a no-op: PEFT 0.10's AdaLoRA changes the output slightly from the first step.
     */
    public static final ConfigField<Boolean> INIT_LORA_WEIGHTS = ConfigField.bool("init_lora_weights", true);

    /**
     * {@code rank_pattern}: which singular values of each layer the rank allocator kept, by the path of the layer's
     * {@code lora_E} ({@code "model.decoder.layers.0.fc1.lora_E": [true, false, ...]}, {@code init_r} entries),
     * or {@code null} before the first allocation. Written by training; an adapter whose config has one is created
     * with those ranks, so that a saved, pruned adapter loads.
     */
    public static final ConfigField<Map<String, List<Boolean>>> RANK_PATTERN =
            ConfigField.<Map<String, List<Boolean>>>of(
                            "rank_pattern", null, true, AdaLoraConfig::readRankPattern, v -> v)
                    .copiedWith(AdaLoraConfig::freezePattern);

    /** {@code megatron_config}: kept for round trips; {@code null} by default. */
    public static final ConfigField<Map<String, Object>> MEGATRON_CONFIG = ConfigField.object("megatron_config");

    /** {@code megatron_core}: kept for round trips; default {@code "megatron.core"}. */
    public static final ConfigField<String> MEGATRON_CORE = ConfigField.string("megatron_core", "megatron.core");

    /** {@code loftq_config}: must stay empty (no LoftQ for AdaLoRA). */
    public static final ConfigField<Map<String, Object>> LOFTQ_CONFIG = ConfigField.objectOrEmpty("loftq_config")
            .check(Map::isEmpty, m -> "AdaLoRA does not support LoftQ; expected {}, found " + m);

    /** {@code use_dora}: must stay false (AdaLoRA has no DoRA form). */
    public static final ConfigField<Boolean> USE_DORA =
            ConfigField.bool("use_dora", false).check(d -> !d, d -> "AdaLoRA does not support DoRA");

    /** {@code layer_replication}: must be {@code null} or empty (not implemented by peft4j). */
    public static final ConfigField<List<Object>> LAYER_REPLICATION = ConfigField.<List<Object>>of(
                    "layer_replication",
                    null,
                    true,
                    (f, k, v) -> {
                        if (!(v instanceof List<?> l)) {
                            throw ConfigFields.wrongType(k, v, "null or a list of [start, end] pairs");
                        }
                        return new ArrayList<>(l);
                    },
                    v -> v)
            .check(List::isEmpty, l -> "layer replication is not supported by peft4j; expected null, found " + l);

    // ---------------------------------------------------------------- AdaLoRA's own fields

    /** {@code target_r}: the average rank per layer the allocator ends with; default 8. */
    public static final ConfigField<Integer> TARGET_R =
            ConfigField.integer("target_r", 8).check(r -> r >= 0, r -> "expected a rank >= 0, found " + r);

    /** {@code init_r}: the rank every layer starts with; default 12. */
    public static final ConfigField<Integer> INIT_R = ConfigField.integer("init_r", 12)
            .check(r -> r >= 0, r -> "`r` should be a positive integer or 0, but the value passed is " + r);

    /** {@code tinit}: the steps of warm-up before any pruning; default 0. */
    public static final ConfigField<Integer> TINIT =
            ConfigField.integer("tinit", 0).check(t -> t >= 0, t -> "expected a step count >= 0, found " + t);

    /** {@code tfinal}: the last steps, trained with the final rank pattern; default 0. */
    public static final ConfigField<Integer> TFINAL =
            ConfigField.integer("tfinal", 0).check(t -> t >= 0, t -> "expected a step count >= 0, found " + t);

    /** {@code deltaT}: the interval, in steps, between two budget allocations; default 1. */
    public static final ConfigField<Integer> DELTA_T =
            ConfigField.integer("deltaT", 1).check(t -> t >= 1, t -> "expected an interval >= 1, found " + t);

    /** {@code beta1}: the EMA factor smoothing the sensitivity, in (0, 1); default 0.85. */
    public static final ConfigField<Double> BETA1 = ConfigField.number("beta1", 0.85)
            .check(b -> b > 0 && b < 1, b -> "expected a value strictly between 0 and 1, found " + b);

    /** {@code beta2}: the EMA factor of the uncertainty, in (0, 1); default 0.85. */
    public static final ConfigField<Double> BETA2 = ConfigField.number("beta2", 0.85)
            .check(b -> b > 0 && b < 1, b -> "expected a value strictly between 0 and 1, found " + b);

    /** {@code orth_reg_weight}: the weight of the orthogonal regulariser added to the loss; positive, default 0.5. */
    public static final ConfigField<Double> ORTH_REG_WEIGHT = ConfigField.number("orth_reg_weight", 0.5)
            .check(w -> w > 0, w -> "orth_reg_weight should be greater than 0, found " + w);

    /** {@code total_step}: the training steps the schedule is laid out for; {@code null} (default) until set. */
    public static final ConfigField<Integer> TOTAL_STEP = ConfigField.optInteger("total_step")
            .check(t -> t > 0, t -> "expected a step count > 0 (or null), found " + t);

    /** The fields of an AdaLoRA config and how to create one; declared after the fields it lists. */
    public static final ConfigSchema<AdaLoraConfig> SCHEMA = ConfigSchema.of(
            PeftType.ADALORA,
            AdaLoraConfig.class,
            AdaLoraConfig::new,
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
            PatternedConfig.ALPHA_PATTERN,
            MEGATRON_CONFIG,
            MEGATRON_CORE,
            LOFTQ_CONFIG,
            USE_DORA,
            LAYER_REPLICATION,
            TARGET_R,
            INIT_R,
            TINIT,
            TFINAL,
            DELTA_T,
            BETA1,
            BETA2,
            ORTH_REG_WEIGHT,
            TOTAL_STEP);

    private AdaLoraConfig(Map<ConfigField<?>, Object> values) {
        super(SCHEMA, values);
    }

    private static Map<String, List<Boolean>> readRankPattern(ConfigFields f, String key, Object v) {
        if (!(v instanceof Map<?, ?> m)) {
            throw ConfigFields.wrongType(key, v, "a JSON object of lists of true/false, or null");
        }
        Map<String, List<Boolean>> out = new LinkedHashMap<>();
        m.forEach((name, mask) -> {
            if (!(mask instanceof List<?> l) || !l.stream().allMatch(b -> b instanceof Boolean)) {
                throw ConfigFields.wrongType(key + "." + name, mask, "a list of true/false");
            }
            List<Boolean> keep = new ArrayList<>();
            l.forEach(b -> keep.add((Boolean) b));
            out.put((String) name, keep);
        });
        return out;
    }

    private static Map<String, List<Boolean>> freezePattern(Map<String, List<Boolean>> v) {
        Map<String, List<Boolean>> out = new LinkedHashMap<>();
        v.forEach((k, l) -> out.put(k, List.copyOf(l)));
        return Collections.unmodifiableMap(out);
    }

    // ---------------------------------------------------------------- cross-field rules

    /** PEFT 0.10's AdaLoRA checks no other combination; {@code exclude_modules} must leave targets. */
    @Override
    protected void validate() {
        TargetedConfig.checkExcludeModules(this);
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

    public boolean initLoraWeights() {
        return get(INIT_LORA_WEIGHTS);
    }

    /** {@code rank_pattern}, or {@code null} before the first allocation. */
    public Map<String, List<Boolean>> rankPattern() {
        return get(RANK_PATTERN);
    }

    public int targetR() {
        return get(TARGET_R);
    }

    public int initR() {
        return get(INIT_R);
    }

    public int tinit() {
        return get(TINIT);
    }

    public int tfinal() {
        return get(TFINAL);
    }

    public int deltaT() {
        return get(DELTA_T);
    }

    public double beta1() {
        return get(BETA1);
    }

    public double beta2() {
        return get(BETA2);
    }

    public double orthRegWeight() {
        return get(ORTH_REG_WEIGHT);
    }

    /** {@code total_step}, or {@code null} when not set. */
    public Integer totalStep() {
        return get(TOTAL_STEP);
    }

    // ---------------------------------------------------------------- builder

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Collects AdaLoRA settings; {@link #build()} validates them. One setter per field, named as the key in camelCase
     * ({@code deltaT} as in PEFT); the shared keys' setters come from {@link TargetedConfig.LayersBuilder}.
     */
    public static final class Builder extends PeftConfig.Builder<Builder, AdaLoraConfig>
            implements TargetedConfig.LayersBuilder<Builder> {
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

        public Builder initLoraWeights(boolean init) {
            return set(INIT_LORA_WEIGHTS, init);
        }

        public Builder rankPattern(Map<String, List<Boolean>> rankPattern) {
            return set(RANK_PATTERN, rankPattern);
        }

        public Builder targetR(int targetR) {
            return set(TARGET_R, targetR);
        }

        public Builder initR(int initR) {
            return set(INIT_R, initR);
        }

        public Builder tinit(int tinit) {
            return set(TINIT, tinit);
        }

        public Builder tfinal(int tfinal) {
            return set(TFINAL, tfinal);
        }

        public Builder deltaT(int deltaT) {
            return set(DELTA_T, deltaT);
        }

        public Builder beta1(double beta1) {
            return set(BETA1, beta1);
        }

        public Builder beta2(double beta2) {
            return set(BETA2, beta2);
        }

        public Builder orthRegWeight(double orthRegWeight) {
            return set(ORTH_REG_WEIGHT, orthRegWeight);
        }

        public Builder totalStep(Integer totalStep) {
            return set(TOTAL_STEP, totalStep);
        }
    }
}
