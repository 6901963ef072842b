package ai.peft4j;

import ai.djl.nn.Block;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.adalora.AdaLoraConfig;
import ai.peft4j.tuners.ia3.IA3Config;
import ai.peft4j.tuners.loha.LoHaConfig;
import ai.peft4j.tuners.lokr.LoKrConfig;
import ai.peft4j.tuners.lora.LoraConfig;
import ai.peft4j.tuners.lycoris.LycorisConfig;
import ai.peft4j.tuners.prefixtuning.PrefixTuningConfig;
import ai.peft4j.tuners.prompt.PromptLearningConfig;
import ai.peft4j.tuners.prompttuning.PromptTuningConfig;
import ai.peft4j.tuners.ptuning.PromptEncoderConfig;
import java.util.Arrays;
import java.util.List;

/**
 * The short way in: fluent builders with brief names for notebooks and scripts.
 *
 * <pre>{@code
 * LoraConfig config = Peft.lora()
 *         .r(16).alpha(32).dropout(0.05)
 *         .targets("q_proj", "v_proj")
 *         .task(TaskType.CAUSAL_LM)
 *         .build();
 * PeftModel peft = Peft.lora().r(16).targets("q_proj", "v_proj").apply(model);
 * PeftModel same = Peft.getPeftModel(model, config);
 * PeftModel pt = Peft.pTuning().virtualTokens(20).encoderHiddenSize(128).task(TaskType.SEQ_CLS).apply(roberta);
 * PeftModel prompt = Peft.promptTuning().virtualTokens(8).task(TaskType.CAUSAL_LM).apply(opt);
 * PeftModel prefix = Peft.prefixTuning().virtualTokens(10).task(TaskType.CAUSAL_LM).apply(opt);
 * PeftModel rs = Peft.lora().r(8).targets("q_proj").set(LoraConfig.USE_RSLORA, true).apply(model);
 * PeftModel ia3 = Peft.ia3().task(TaskType.CAUSAL_LM).apply(opt);   // the model type's targets
 * }</pre>
 *
 * <h2>Naming rule for builder methods</h2>
 *
 * <p>A builder method that sets one field is named after PEFT's key for it. The config builders
 * ({@code LoraConfig.builder()}, {@code PromptEncoderConfig.builder()}, ...) use the key in camelCase:
 * {@code lora_alpha} → {@code loraAlpha}, {@code num_virtual_tokens} → {@code numVirtualTokens}. The fluent builders
 * here shorten that name by one rule: drop the method prefix ({@code lora_}), the count prefix ({@code num_}) and the
 * kind suffix ({@code _type}; {@code _modules} leaves a plural). So {@code alpha}, {@code dropout},
 * {@code virtualTokens}, {@code encoderLayers}, {@code task} and {@code targets}; a key with nothing to drop keeps
 * its name ({@code r}, {@code bias}, {@code modulesToSave}, {@code tokenDim}, {@code encoderHiddenSize}). In both,
 * a setter for another form of the value adds a suffix ({@code targetModulesRegex}, {@code targetsRegex}), and a
 * method that sets several fields at once is named for what it does ({@code targetAllLinear()}, {@code lstm()},
 * {@code projection(int)}, {@code initFromText(...)}). Every field, short name or not, is reachable by its
 * constant with {@code set(LoraConfig.USE_RSLORA, true)}, and {@code full()} gives the config builder.
 */
public final class Peft {

    private Peft() {}

    /** PEFT's {@code get_peft_model}: see {@link PeftModel#getPeftModel(Block, PeftConfig)}. */
    public static PeftModel getPeftModel(Block model, PeftConfig config) {
        return PeftModel.getPeftModel(model, config);
    }

    /** {@link #getPeftModel(Block, PeftConfig)} under an adapter name of your choice. */
    public static PeftModel getPeftModel(Block model, PeftConfig config, String adapterName) {
        return PeftModel.getPeftModel(model, config, adapterName);
    }

    /** A P-tuning ({@code P_TUNING}) config builder with PEFT's defaults (MLP encoder). */
    public static PTuningBuilder pTuning() {
        return new PTuningBuilder();
    }

    /** A prompt-tuning ({@code PROMPT_TUNING}) config builder with PEFT's defaults (RANDOM init). */
    public static PromptTuningBuilder promptTuning() {
        return new PromptTuningBuilder();
    }

    /** A prefix-tuning ({@code PREFIX_TUNING}) config builder with PEFT's defaults (no projection). */
    public static PrefixTuningBuilder prefixTuning() {
        return new PrefixTuningBuilder();
    }

    /**
     * What every fluent builder has: {@code task}, any field by its constant, the full config builder, {@code build}
     * and {@code apply}.
     *
     * @param <S> the fluent builder itself
     * @param <B> the config's builder
     * @param <C> the config
     */
    public abstract static class FluentBuilder<
            S extends FluentBuilder<S, B, C>, B extends PeftConfig.Builder<B, C>, C extends PeftConfig> {
        protected final B b;

        private FluentBuilder(B b) {
            this.b = b;
        }

        @SuppressWarnings("unchecked")
        final S self() {
            return (S) this;
        }

        /** {@code task_type}. */
        public S task(TaskType task) {
            b.taskType(task);
            return self();
        }

        /** Any field by its constant, for example {@code set(LoraConfig.USE_RSLORA, true)}. */
        public <T> S set(ConfigField<T> field, T value) {
            b.set(field, value);
            return self();
        }

        /** The full builder, for the less common fields. */
        public B full() {
            return b;
        }

        /** Validates and creates the config. */
        public C build() {
            return b.build();
        }

        /** Builds the config and applies it to {@code model} as adapter "default". */
        public PeftModel apply(Block model) {
            return PeftModel.getPeftModel(model, build());
        }
    }

    /**
     * What the builders of methods that wrap target layers add: {@code targets}, {@code targetsRegex} and {@code
     * modulesToSave}, over the config's own fields.
     */
    public abstract static class TargetedBuilder<
                    S extends TargetedBuilder<S, B, C>, B extends PeftConfig.Builder<B, C>, C extends PeftConfig>
            extends FluentBuilder<S, B, C> {
        private final ConfigField<ModuleSelector> targetModules;
        private final ConfigField<List<String>> modulesToSave;

        private TargetedBuilder(
                B b, ConfigField<ModuleSelector> targetModules, ConfigField<List<String>> modulesToSave) {
            super(b);
            this.targetModules = targetModules;
            this.modulesToSave = modulesToSave;
        }

        /** {@code target_modules} by name (exact path or dotted suffix). */
        public S targets(String... names) {
            return set(targetModules, ModuleSelector.names(names));
        }

        /** {@code target_modules} as a regex over the whole module path. */
        public S targetsRegex(String regex) {
            return set(targetModules, ModuleSelector.regexOrNull(regex));
        }

        /** {@code modules_to_save}. */
        public S modulesToSave(String... names) {
            return set(modulesToSave, Arrays.asList(names));
        }
    }

    /**
     * Short names shared by the prompt-learning builders. Unset model sizes ({@code token_dim}, {@code num_layers},
     * {@code num_attention_heads}, {@code num_transformer_submodules}) are filled from the model when applied.
     */
    public abstract static class PromptBuilder<
                    S extends PromptBuilder<S, B, C>,
                    B extends PromptLearningConfig.Builder<B, C>,
                    C extends PromptLearningConfig>
            extends FluentBuilder<S, B, C> {
        private PromptBuilder(B b) {
            super(b);
        }

        /** {@code num_virtual_tokens}. */
        public S virtualTokens(int n) {
            b.numVirtualTokens(n);
            return self();
        }

        /** {@code token_dim} (else the model's hidden size). */
        public S tokenDim(int d) {
            b.tokenDim(d);
            return self();
        }
    }

    /** Short names over {@link PromptEncoderConfig.Builder}. */
    public static final class PTuningBuilder
            extends PromptBuilder<PTuningBuilder, PromptEncoderConfig.Builder, PromptEncoderConfig> {
        private PTuningBuilder() {
            super(PromptEncoderConfig.builder());
        }

        /** {@code encoder_hidden_size}. */
        public PTuningBuilder encoderHiddenSize(int h) {
            b.encoderHiddenSize(h);
            return this;
        }

        /** {@code encoder_reparameterization_type = "LSTM"}. */
        public PTuningBuilder lstm() {
            b.encoderReparameterizationType(PromptEncoderConfig.ReparameterizationType.LSTM);
            return this;
        }

        /** {@code encoder_num_layers} (LSTM only). */
        public PTuningBuilder encoderLayers(int n) {
            b.encoderNumLayers(n);
            return this;
        }

        /** {@code encoder_dropout} (LSTM only). */
        public PTuningBuilder encoderDropout(double p) {
            b.encoderDropout(p);
            return this;
        }
    }

    /** Short names over {@link PromptTuningConfig.Builder}. */
    public static final class PromptTuningBuilder
            extends PromptBuilder<PromptTuningBuilder, PromptTuningConfig.Builder, PromptTuningConfig> {
        private PromptTuningBuilder() {
            super(PromptTuningConfig.builder());
        }

        /**
         * TEXT init from {@code text}, tokenized as PEFT does with the {@code tokenizer.json} of {@code tokenizer} (a
         * local folder or a Hub repo id), unless {@code tokenIds} are given. Only {@code text} and {@code tokenizer} are
         * written to {@code adapter_config.json}.
         *
         * <pre>{@code
         * Peft.promptTuning().virtualTokens(8).initFromText("Classify if the tweet is a complaint:", "facebook/opt-125m")
         * }</pre>
         */
        public PromptTuningBuilder initFromText(String text, String tokenizer, int... tokenIds) {
            b.promptTuningInit(PromptTuningConfig.PromptTuningInit.TEXT)
                    .promptTuningInitText(text)
                    .tokenizerNameOrPath(tokenizer)
                    .initTokenIds(tokenIds);
            return this;
        }

        /** SAMPLE_VOCAB init: embeddings of tokens drawn uniformly from the vocabulary. */
        public PromptTuningBuilder initFromSampledVocab() {
            b.promptTuningInit(PromptTuningConfig.PromptTuningInit.SAMPLE_VOCAB);
            return this;
        }
    }

    /** Short names over {@link PrefixTuningConfig.Builder}. */
    public static final class PrefixTuningBuilder
            extends PromptBuilder<PrefixTuningBuilder, PrefixTuningConfig.Builder, PrefixTuningConfig> {
        private PrefixTuningBuilder() {
            super(PrefixTuningConfig.builder());
        }

        /** {@code prefix_projection = true} with an MLP of {@code hiddenSize} ({@code encoder_hidden_size}). */
        public PrefixTuningBuilder projection(int hiddenSize) {
            b.prefixProjection(true).encoderHiddenSize(hiddenSize);
            return this;
        }
    }

    /** A LoRA config builder with PEFT's defaults (r = 8, alpha = 8, dropout = 0.0, bias "none"). */
    public static LoraBuilder lora() {
        return new LoraBuilder();
    }

    /** Short names over {@link LoraConfig.Builder}; {@link #build()} validates like it. */
    public static final class LoraBuilder extends TargetedBuilder<LoraBuilder, LoraConfig.Builder, LoraConfig> {
        private LoraBuilder() {
            super(LoraConfig.builder(), LoraConfig.TARGET_MODULES, LoraConfig.MODULES_TO_SAVE);
        }

        /** The rank. */
        public LoraBuilder r(int r) {
            b.r(r);
            return this;
        }

        /** {@code lora_alpha}: the update is scaled by {@code alpha / r}. */
        public LoraBuilder alpha(int alpha) {
            b.loraAlpha(alpha);
            return this;
        }

        /** {@code lora_dropout}. */
        public LoraBuilder dropout(double dropout) {
            b.loraDropout(dropout);
            return this;
        }

        /** {@code bias}. */
        public LoraBuilder bias(LoraConfig.Bias bias) {
            b.bias(bias);
            return this;
        }

        /** {@code bias} by PEFT's name: "none", "all" or "lora_only". */
        public LoraBuilder bias(String bias) {
            b.bias(bias);
            return this;
        }

        /** {@code use_dora}: DoRA, a trained magnitude per output feature on top of the low-rank update. */
        public LoraBuilder useDora(boolean useDora) {
            b.useDora(useDora);
            return this;
        }

        /** DoRA: {@code useDora(true)}, e.g. {@code Peft.lora().r(8).dora().apply(model)}. */
        public LoraBuilder dora() {
            return useDora(true);
        }
    }

    /**
     * An (IA)³ config builder with PEFT's defaults: vectors start at ones, and unset targets and
     * feed-forward modules come from the model type when applied (OPT: {@code q_proj}, {@code k_proj},
     * {@code fc2}, with {@code fc2} feed-forward).
     *
     * <pre>{@code
     * PeftModel peft = Peft.ia3().task(TaskType.CAUSAL_LM).apply(opt125m);
     * peft.printTrainableParameters();
     * // trainable params: 55,296 || all params: 125,294,592 || trainable%: 0.044132790663462956
     * IA3Config mine = Peft.ia3().targets("k_proj", "v_proj", "down_proj").feedforwards("down_proj").build();
     * }</pre>
     */
    public static IA3Builder ia3() {
        return new IA3Builder();
    }

    /** Short names over {@link IA3Config.Builder}; {@link #build()} validates like it. */
    public static final class IA3Builder extends TargetedBuilder<IA3Builder, IA3Config.Builder, IA3Config> {
        private IA3Builder() {
            super(IA3Config.builder(), IA3Config.TARGET_MODULES, IA3Config.MODULES_TO_SAVE);
        }

        /** {@code feedforward_modules} by name: these targets get their input scaled; none for {@code []}. */
        public IA3Builder feedforwards(String... names) {
            b.feedforwardModules(names);
            return this;
        }

        /** {@code feedforward_modules} as a regex over the whole module path. */
        public IA3Builder feedforwardsRegex(String regex) {
            b.feedforwardModulesRegex(regex);
            return this;
        }

        /** {@code init_ia3_weights}: {@code false} starts the vectors random instead of at ones (for tests). */
        public IA3Builder initIa3Weights(boolean init) {
            b.initIa3Weights(init);
            return this;
        }
    }

    /**
     * A LoHa config builder with PEFT's defaults (r = 8, alpha = 8, no dropout, init_weights true); LoHa has no
     * default targets, so name them:
     *
     * <pre>{@code
     * PeftModel peft = Peft.loha().r(4).alpha(8).targets("q_proj", "v_proj").task(TaskType.CAUSAL_LM).apply(opt);
     * }</pre>
     */
    public static LoHaBuilder loha() {
        return new LoHaBuilder();
    }

    /**
     * A LoKr config builder with PEFT's defaults (r = 8, alpha = 8, decompose_factor -1); LoKr has no default
     * targets, so name them:
     *
     * <pre>{@code
     * PeftModel peft = Peft.lokr().r(4).decomposeBoth(true).targets("q_proj", "v_proj").apply(opt);
     * }</pre>
     */
    public static LoKrBuilder lokr() {
        return new LoKrBuilder();
    }

    /**
     * An AdaLoRA config builder with PEFT's defaults (init_r 12, target_r 8, lora_alpha 8, orth_reg_weight 0.5); unset
     * targets come from the model type. Training needs {@code totalStep}: the rank budget is scheduled over the steps.
     *
     * <pre>{@code
     * PeftModel peft = Peft.adalora().initR(12).targetR(4).tinit(50).tfinal(100).deltaT(10).totalStep(1000)
     *         .task(TaskType.CAUSAL_LM).apply(opt);
     * PeftTrainer.builder(peft).trainData(data).maxSteps(1000).build().train();   // allocates ranks as it goes
     * }</pre>
     */
    public static AdaLoraBuilder adalora() {
        return new AdaLoraBuilder();
    }

    /** Short names over {@link AdaLoraConfig.Builder}: its own keys as they are, {@code lora_} dropped from the rest. */
    public static final class AdaLoraBuilder
            extends TargetedBuilder<AdaLoraBuilder, AdaLoraConfig.Builder, AdaLoraConfig> {
        private AdaLoraBuilder() {
            super(AdaLoraConfig.builder(), AdaLoraConfig.TARGET_MODULES, AdaLoraConfig.MODULES_TO_SAVE);
        }

        /** {@code init_r}: the rank every layer starts with. */
        public AdaLoraBuilder initR(int r) {
            b.initR(r);
            return this;
        }

        /** {@code target_r}: the average rank per layer at the end of the schedule. */
        public AdaLoraBuilder targetR(int r) {
            b.targetR(r);
            return this;
        }

        /** {@code tinit}: warm-up steps before pruning. */
        public AdaLoraBuilder tinit(int steps) {
            b.tinit(steps);
            return this;
        }

        /** {@code tfinal}: last steps, trained with the final rank pattern. */
        public AdaLoraBuilder tfinal(int steps) {
            b.tfinal(steps);
            return this;
        }

        /** {@code deltaT}: steps between two budget allocations. */
        public AdaLoraBuilder deltaT(int steps) {
            b.deltaT(steps);
            return this;
        }

        /** {@code beta1} and {@code beta2}: the EMA factors of sensitivity and uncertainty. */
        public AdaLoraBuilder betas(double beta1, double beta2) {
            b.beta1(beta1).beta2(beta2);
            return this;
        }

        /** {@code orth_reg_weight}: the weight of the orthogonal regulariser in the loss. */
        public AdaLoraBuilder orthRegWeight(double w) {
            b.orthRegWeight(w);
            return this;
        }

        /** {@code total_step}: the optimizer steps the schedule is laid out for. */
        public AdaLoraBuilder totalStep(int steps) {
            b.totalStep(steps);
            return this;
        }

        /** {@code lora_alpha}: the update is scaled by {@code alpha / ranknum}. */
        public AdaLoraBuilder alpha(int alpha) {
            b.loraAlpha(alpha);
            return this;
        }

        /** {@code lora_dropout}. */
        public AdaLoraBuilder dropout(double p) {
            b.loraDropout(p);
            return this;
        }
    }

    /** Short names over {@link LoHaConfig.Builder}. */
    public static final class LoHaBuilder extends LycorisBuilder<LoHaBuilder, LoHaConfig, LoHaConfig.Builder> {
        private LoHaBuilder() {
            super(LoHaConfig.builder());
        }
    }

    /** Short names over {@link LoKrConfig.Builder}, with LoKr's two own fields. */
    public static final class LoKrBuilder extends LycorisBuilder<LoKrBuilder, LoKrConfig, LoKrConfig.Builder> {
        private LoKrBuilder() {
            super(LoKrConfig.builder());
        }

        /** {@code decompose_both}: also split the left Kronecker factor into two low-rank matrices. */
        public LoKrBuilder decomposeBoth(boolean decomposeBoth) {
            b.decomposeBoth(decomposeBoth);
            return this;
        }

        /** {@code decompose_factor}: the size one Kronecker factor should be near (-1: near the square root). */
        public LoKrBuilder decomposeFactor(int factor) {
            b.decomposeFactor(factor);
            return this;
        }
    }

    /**
     * What the LoHa and LoKr fluent builders share; the keys have no method prefix, so the names are the keys in
     * camelCase, with {@code targets} and {@code task} as for LoRA.
     */
    public abstract static class LycorisBuilder<
                    S extends LycorisBuilder<S, C, B>, C extends LycorisConfig, B extends LycorisConfig.Builder<B, C>>
            extends TargetedBuilder<S, B, C> {
        private LycorisBuilder(B b) {
            super(b, LycorisConfig.TARGET_MODULES, LycorisConfig.MODULES_TO_SAVE);
        }

        /** The rank. */
        public S r(int r) {
            b.r(r);
            return self();
        }

        /** {@code alpha}: the scaling numerator ({@code alpha / r}). */
        public S alpha(int alpha) {
            b.alpha(alpha);
            return self();
        }

        /** {@code rank_dropout}. */
        public S rankDropout(double p) {
            b.rankDropout(p);
            return self();
        }

        /** {@code module_dropout}. */
        public S moduleDropout(double p) {
            b.moduleDropout(p);
            return self();
        }

        /** {@code init_weights}. */
        public S initWeights(boolean init) {
            b.initWeights(init);
            return self();
        }
    }
}
