package ai.peft4j.tuners.prompttuning;

import ai.peft4j.config.Buildable;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.prompt.PromptLearningConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * PEFT 0.10's {@code PromptTuningConfig}: virtual token embeddings learned directly. Same keys, defaults and checks as
 * PEFT.
 *
 * <pre>{@code
 * PromptTuningConfig c = PromptTuningConfig.builder().taskType(TaskType.CAUSAL_LM).numVirtualTokens(8).build();
 * // TEXT init: the text is tokenized with the tokenizer.json of tokenizer_name_or_path (local folder or Hub)
 * PromptTuningConfig t = PromptTuningConfig.builder().taskType(TaskType.CAUSAL_LM).numVirtualTokens(8)
 *     .promptTuningInit(PromptTuningInit.TEXT).promptTuningInitText("Classify the review:")
 *     .tokenizerNameOrPath("facebook/opt-350m").build();
 * // ...or give the ids yourself (Java-only, not written to JSON): .initTokenIds(2, 45714, 4591, 5, 1551, 35)
 * }</pre>
 */
public final class PromptTuningConfig extends PromptLearningConfig implements Buildable<PromptTuningConfig.Builder> {

    /** {@code prompt_tuning_init}. */
    public enum PromptTuningInit {
        /** From the word embeddings of a text's tokens, repeated or cut to the number of virtual tokens. */
        TEXT,
        /** Random, as {@code nn.Embedding} initialises: N(0, 1) (PEFT's default). */
        RANDOM,
        /** From the word embeddings of tokens drawn uniformly from the vocabulary (added after PEFT 0.10; PEFT 0.10 reads it and initialises randomly). */
        SAMPLE_VOCAB;

        /** The constant for PEFT's string, or an error listing the allowed ones. */
        public static PromptTuningInit fromJson(String value) {
            return ConfigField.lookup(
                    "prompt_tuning_init", value, values(), Enum::name, "\"TEXT\", \"RANDOM\" or \"SAMPLE_VOCAB\"");
        }
    }

    /** {@code prompt_tuning_init}: how the virtual token embeddings start; default {@code RANDOM}. */
    public static final ConfigField<PromptTuningInit> PROMPT_TUNING_INIT =
            ConfigField.choice("prompt_tuning_init", PromptTuningInit.RANDOM, PromptTuningInit::fromJson, Enum::name);

    /** {@code prompt_tuning_init_text}: the text whose tokens start the embeddings (TEXT init), or null. */
    public static final ConfigField<String> PROMPT_TUNING_INIT_TEXT =
            ConfigField.string("prompt_tuning_init_text", null);

    /** {@code tokenizer_name_or_path}: the tokenizer for the init text (TEXT init), or null. */
    public static final ConfigField<String> TOKENIZER_NAME_OR_PATH = ConfigField.string("tokenizer_name_or_path", null);

    /** {@code tokenizer_kwargs}: extra tokenizer arguments (TEXT init only), or null. */
    public static final ConfigField<Map<String, Object>> TOKENIZER_KWARGS = ConfigField.object("tokenizer_kwargs");

    /**
     * Java only, never written to {@code adapter_config.json}: the token ids of {@code prompt_tuning_init_text}, which
     * PEFT gets from {@code AutoTokenizer.from_pretrained(tokenizer_name_or_path)(text)["input_ids"]}. Null when not
     * given: peft4j then tokenizes the text with the {@code tokenizer.json} of {@code tokenizer_name_or_path} (a local
     * folder, or a Hub repo).
     */
    public static final ConfigField<List<Integer>> INIT_TOKEN_IDS =
            ConfigField.javaOnly("initTokenIds", ids -> Collections.unmodifiableList(new ArrayList<>(ids)));

    /** The fields of a prompt-tuning config and how to create one; declared after the fields it lists. */
    public static final ConfigSchema<PromptTuningConfig> SCHEMA = ConfigSchema.of(
            PeftType.PROMPT_TUNING,
            PromptTuningConfig.class,
            PromptTuningConfig::new,
            Builder::new,
            PromptLearningConfig.FIELDS,
            PROMPT_TUNING_INIT,
            PROMPT_TUNING_INIT_TEXT,
            TOKENIZER_NAME_OR_PATH,
            TOKENIZER_KWARGS,
            INIT_TOKEN_IDS);

    private PromptTuningConfig(Map<ConfigField<?>, Object> values) {
        super(SCHEMA, values);
    }

    @Override
    protected void validate() {
        super.validate();
        PromptTuningInit init = promptTuningInit();
        String tokenizer = tokenizerNameOrPath();
        if (init == PromptTuningInit.TEXT) {
            if (tokenizer == null || tokenizer.isEmpty()) {
                throw new PeftConfigException("When prompt_tuning_init='TEXT', tokenizer_name_or_path can't be "
                        + (tokenizer == null ? "None" : "''") + ".");
            }
            if (promptTuningInitText() == null) {
                throw new PeftConfigException("When prompt_tuning_init='TEXT', prompt_tuning_init_text can't be None.");
            }
        }
        if (tokenizerKwargs() != null && !tokenizerKwargs().isEmpty() && init != PromptTuningInit.TEXT) {
            throw new PeftConfigException("tokenizer_kwargs only valid when using prompt_tuning_init='TEXT'.");
        }
        List<Integer> ids = initTokenIds();
        if (ids != null) {
            if (ids.isEmpty() || ids.stream().anyMatch(id -> id == null || id < 0)) {
                throw new PeftConfigException(
                        "initTokenIds: expected a non-empty list of token ids >= 0, found " + ids);
            }
            if (init != PromptTuningInit.TEXT) {
                throw new PeftConfigException("initTokenIds (the tokenized prompt_tuning_init_text) only applies with "
                        + "prompt_tuning_init='TEXT', not " + init);
            }
        }
    }

    // Accessors: see the field constants above.
    public PromptTuningInit promptTuningInit() {
        return get(PROMPT_TUNING_INIT);
    }

    public String promptTuningInitText() {
        return get(PROMPT_TUNING_INIT_TEXT);
    }

    public String tokenizerNameOrPath() {
        return get(TOKENIZER_NAME_OR_PATH);
    }

    public Map<String, Object> tokenizerKwargs() {
        return get(TOKENIZER_KWARGS);
    }

    public List<Integer> initTokenIds() {
        return get(INIT_TOKEN_IDS);
    }

    /** A builder with PEFT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects prompt-tuning settings; defaults are PEFT's. */
    public static final class Builder extends PromptLearningConfig.Builder<Builder, PromptTuningConfig> {
        private Builder() {
            super(SCHEMA);
        }

        public Builder promptTuningInit(PromptTuningInit init) {
            return set(PROMPT_TUNING_INIT, init);
        }
        /** By PEFT's name: {@code "RANDOM"}, {@code "TEXT"} or {@code "SAMPLE_VOCAB"}. */
        public Builder promptTuningInit(String init) {
            return promptTuningInit(PromptTuningInit.fromJson(init));
        }

        public Builder promptTuningInitText(String text) {
            return set(PROMPT_TUNING_INIT_TEXT, text);
        }

        public Builder tokenizerNameOrPath(String tokenizer) {
            return set(TOKENIZER_NAME_OR_PATH, tokenizer);
        }

        public Builder tokenizerKwargs(Map<String, ?> kwargs) {
            return set(TOKENIZER_KWARGS, jsonObject(kwargs));
        }
        /** Java only: the token ids of the init text; none given means: tokenize it (see {@link #INIT_TOKEN_IDS}). */
        public Builder initTokenIds(int... ids) {
            return initTokenIds(
                    ids == null || ids.length == 0
                            ? null
                            : java.util.Arrays.stream(ids).boxed().toList());
        }
        /** Java only: the token ids of the init text; null (the default) to tokenize it. */
        public Builder initTokenIds(List<Integer> ids) {
            return set(INIT_TOKEN_IDS, ids);
        }
    }
}
