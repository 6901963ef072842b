package ai.peft4j;

import ai.djl.nn.Block;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.tuners.ia3.IA3Config;
import ai.peft4j.tuners.loha.LoHaConfig;
import ai.peft4j.tuners.lokr.LoKrConfig;
import ai.peft4j.tuners.lora.LoraConfig;
import ai.peft4j.tuners.lycoris.LycorisConfig;
import ai.peft4j.tuners.prefixtuning.PrefixTuningConfig;
import ai.peft4j.tuners.prompt.PromptLearningConfig;
import ai.peft4j.tuners.prompttuning.PromptTuningConfig;
import ai.peft4j.tuners.ptuning.PromptEncoderConfig;

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
     * Short names shared by the prompt-learning builders. Unset model sizes ({@code token_dim}, {@code num_layers},
     * {@code num_attention_heads}, {@code num_transformer_submodules}) are filled from the model when applied.
     */
    public abstract static class PromptBuilder<S extends PromptBuilder<S, C>, C extends PromptLearningConfig> {
        abstract PromptLearningConfig.Builder<?, C> full();

        @SuppressWarnings("unchecked")
        private S self() {
            return (S) this;
        }

        /** {@code num_virtual_tokens}. */
        public S virtualTokens(int n) {
            full().numVirtualTokens(n);
            return self();
        }

        /** {@code task_type}: CAUSAL_LM, SEQ_CLS, TOKEN_CLS or QUESTION_ANS. */
        public S task(TaskType task) {
            full().taskType(task);
            return self();
        }

        /** {@code token_dim} (else the model's hidden size). */
        public S tokenDim(int d) {
            full().tokenDim(d);
            return self();
        }

        /** Any field by its constant, for example {@code set(PromptEncoderConfig.ENCODER_DROPOUT, 0.1)}. */
        public <T> S set(ConfigField<T> field, T value) {
            full().set(field, value);
            return self();
        }

        /** Validates and creates the config. */
        public C build() {
            return full().build();
        }

        /** Builds the config and applies it to {@code model} as adapter "default". */
        public PeftModel apply(Block model) {
            return PeftModel.getPeftModel(model, build());
        }
    }

    /** Short names over {@link PromptEncoderConfig.Builder}. */
    public static final class PTuningBuilder extends PromptBuilder<PTuningBuilder, PromptEncoderConfig> {
        private final PromptEncoderConfig.Builder b = PromptEncoderConfig.builder();

        private PTuningBuilder() {}

        /** The full builder, for the less common fields. */
        @Override
        public PromptEncoderConfig.Builder full() {
            return b;
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
    public static final class PromptTuningBuilder extends PromptBuilder<PromptTuningBuilder, PromptTuningConfig> {
        private final PromptTuningConfig.Builder b = PromptTuningConfig.builder();

        private PromptTuningBuilder() {}

        /** The full builder, for the less common fields. */
        @Override
        public PromptTuningConfig.Builder full() {
            return b;
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
    public static final class PrefixTuningBuilder extends PromptBuilder<PrefixTuningBuilder, PrefixTuningConfig> {
        private final PrefixTuningConfig.Builder b = PrefixTuningConfig.builder();

        private PrefixTuningBuilder() {}

        /** The full builder, for the less common fields. */
        @Override
        public PrefixTuningConfig.Builder full() {
            return b;
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
    public static final class LoraBuilder {
        private final LoraConfig.Builder b = LoraConfig.builder();

        private LoraBuilder() {}

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

        /** {@code target_modules} by name (exact path or dotted suffix). */
        public LoraBuilder targets(String... names) {
            b.targetModules(names);
            return this;
        }

        /** {@code target_modules} as a regex over the whole module path. */
        public LoraBuilder targetsRegex(String regex) {
            b.targetModulesRegex(regex);
            return this;
        }

        /** {@code task_type}. */
        public LoraBuilder task(TaskType task) {
            b.taskType(task);
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

        /** {@code modules_to_save}. */
        public LoraBuilder modulesToSave(String... names) {
            b.modulesToSave(names);
            return this;
        }

        /** Any field by its constant, for example {@code set(LoraConfig.USE_RSLORA, true)}. */
        public <T> LoraBuilder set(ConfigField<T> field, T value) {
            b.set(field, value);
            return this;
        }

        /** The full builder, for the less common fields. */
        public LoraConfig.Builder full() {
            return b;
        }

        /** Validates and creates the config. */
        public LoraConfig build() {
            return b.build();
        }

        /** Builds the config and applies it to {@code model} as adapter "default". */
        public PeftModel apply(Block model) {
            return PeftModel.getPeftModel(model, build());
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
    public static final class IA3Builder {
        private final IA3Config.Builder b = IA3Config.builder();

        private IA3Builder() {}

        /** {@code target_modules} by name (exact path or dotted suffix). */
        public IA3Builder targets(String... names) {
            b.targetModules(names);
            return this;
        }

        /** {@code target_modules} as a regex over the whole module path. */
        public IA3Builder targetsRegex(String regex) {
            b.targetModulesRegex(regex);
            return this;
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

        /** {@code task_type}. */
        public IA3Builder task(TaskType task) {
            b.taskType(task);
            return this;
        }

        /** {@code modules_to_save}. */
        public IA3Builder modulesToSave(String... names) {
            b.modulesToSave(names);
            return this;
        }

        /** {@code init_ia3_weights}: {@code false} starts the vectors random instead of at ones (for tests). */
        public IA3Builder initIa3Weights(boolean init) {
            b.initIa3Weights(init);
            return this;
        }

        /** Any field by its constant, for example {@code set(IA3Config.FAN_IN_FAN_OUT, true)}. */
        public <T> IA3Builder set(ConfigField<T> field, T value) {
            b.set(field, value);
            return this;
        }

        /** The full builder, for the less common fields. */
        public IA3Config.Builder full() {
            return b;
        }

        /** Validates and creates the config. */
        public IA3Config build() {
            return b.build();
        }

        /** Builds the config and applies it to {@code model} as adapter "default". */
        public PeftModel apply(Block model) {
            return PeftModel.getPeftModel(model, build());
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
            S extends LycorisBuilder<S, C, B>, C extends LycorisConfig, B extends LycorisConfig.Builder<B, C>> {
        protected final B b;

        private LycorisBuilder(B b) {
            this.b = b;
        }

        @SuppressWarnings("unchecked")
        private S self() {
            return (S) this;
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

        /** {@code target_modules} by name (exact path or dotted suffix). */
        public S targets(String... names) {
            b.targetModules(names);
            return self();
        }

        /** {@code target_modules} as a regex over the whole module path. */
        public S targetsRegex(String regex) {
            b.targetModulesRegex(regex);
            return self();
        }

        /** {@code task_type}. */
        public S task(TaskType task) {
            b.taskType(task);
            return self();
        }

        /** {@code modules_to_save}. */
        public S modulesToSave(String... names) {
            b.modulesToSave(names);
            return self();
        }

        /** Any field by its constant, for example {@code set(LycorisConfig.RANK_DROPOUT, 0.1)}. */
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
}
