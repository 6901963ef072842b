package ai.peft4j.tuners.prompttuning;

import ai.peft4j.ConfigFields;
import ai.peft4j.PeftConfigException;
import ai.peft4j.PeftType;
import ai.peft4j.tuners.prompt.PromptLearningConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
public final class PromptTuningConfig extends PromptLearningConfig {

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
      for (PromptTuningInit t : values()) {
        if (t.name().equals(value)) {
          return t;
        }
      }
      throw ConfigFields.wrongType("prompt_tuning_init", value, "\"TEXT\", \"RANDOM\" or \"SAMPLE_VOCAB\"");
    }
  }

  private final PromptTuningInit promptTuningInit;
  private final String promptTuningInitText;
  private final String tokenizerNameOrPath;
  private final Map<String, Object> tokenizerKwargs;
  private final List<Integer> initTokenIds;

  private PromptTuningConfig(Builder b) {
    super(PeftType.PROMPT_TUNING, b);
    promptTuningInit = b.promptTuningInit;
    promptTuningInitText = b.promptTuningInitText;
    tokenizerNameOrPath = b.tokenizerNameOrPath;
    tokenizerKwargs = b.tokenizerKwargs;
    initTokenIds = b.initTokenIds == null ? null : List.copyOf(b.initTokenIds);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Builder toBuilder() {
    return new Builder(this);
  }

  @Override
  public PromptTuningConfig withInferenceMode(boolean inferenceMode) {
    return toBuilder().inferenceMode(inferenceMode).build();
  }

  @Override
  public PromptTuningConfig withModelDefaults(com.fasterxml.jackson.databind.JsonNode modelConfig) {
    return (PromptTuningConfig) super.withModelDefaults(modelConfig);
  }

  /** Reads a PROMPT_TUNING config from the text of an {@code adapter_config.json}. */
  public static PromptTuningConfig fromJson(String json) {
    return fromJsonAs(json, PeftType.PROMPT_TUNING, PromptTuningConfig.class);
  }

  /** Reads {@code dir/adapter_config.json}, which must be a PROMPT_TUNING config. */
  public static PromptTuningConfig fromPretrained(Path dir) {
    return fromPretrainedAs(dir, PeftType.PROMPT_TUNING, PromptTuningConfig.class);
  }

  /** The {@link ai.peft4j.PeftConfigRegistry} reader. */
  public static PromptTuningConfig read(ConfigFields f) {
    Builder b = builder().readPromptCommon(f);
    b.promptTuningInit(PromptTuningInit.fromJson(f.string("prompt_tuning_init", PromptTuningInit.RANDOM.name())));
    b.promptTuningInitText(f.optString("prompt_tuning_init_text", null));
    b.tokenizerNameOrPath(f.optString("tokenizer_name_or_path", null));
    b.tokenizerKwargs(f.optObject("tokenizer_kwargs", null));
    return b.build();
  }

  @Override
  protected void putFields(Map<String, Object> out) {
    super.putFields(out);
    out.put("prompt_tuning_init", promptTuningInit.name());
    out.put("prompt_tuning_init_text", promptTuningInitText);
    out.put("tokenizer_name_or_path", tokenizerNameOrPath);
    out.put("tokenizer_kwargs", tokenizerKwargs);
  }

  public PromptTuningInit promptTuningInit() {
    return promptTuningInit;
  }

  public String promptTuningInitText() {
    return promptTuningInitText;
  }

  public String tokenizerNameOrPath() {
    return tokenizerNameOrPath;
  }

  public Map<String, Object> tokenizerKwargs() {
    return tokenizerKwargs;
  }

  /**
   * Java only, never written to {@code adapter_config.json}: the token ids of {@code prompt_tuning_init_text}, which
   * PEFT gets from {@code AutoTokenizer.from_pretrained(tokenizer_name_or_path)(text)["input_ids"]}. Null when not
   * given: peft4j then tokenizes the text with the {@code tokenizer.json} of {@code tokenizer_name_or_path} (a local
   * folder, or a Hub repo).
   */
  public List<Integer> initTokenIds() {
    return initTokenIds;
  }

  /** Collects prompt-tuning settings; defaults are PEFT's. */
  public static final class Builder extends PromptLearningConfig.Builder<Builder, PromptTuningConfig> {
    private PromptTuningInit promptTuningInit = PromptTuningInit.RANDOM;
    private String promptTuningInitText;
    private String tokenizerNameOrPath;
    private Map<String, Object> tokenizerKwargs;
    private List<Integer> initTokenIds;

    private Builder() {}

    private Builder(PromptTuningConfig c) {
      super(c);
      promptTuningInit = c.promptTuningInit;
      promptTuningInitText = c.promptTuningInitText;
      tokenizerNameOrPath = c.tokenizerNameOrPath;
      tokenizerKwargs = c.tokenizerKwargs;
      initTokenIds = c.initTokenIds;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected Builder readPromptCommon(ConfigFields f) {
      return super.readPromptCommon(f);
    }

    public Builder promptTuningInit(PromptTuningInit init) {
      this.promptTuningInit = Objects.requireNonNull(init, "init");
      return this;
    }

    /** By PEFT's name: {@code "RANDOM"}, {@code "TEXT"} or {@code "SAMPLE_VOCAB"}. */
    public Builder promptTuningInit(String init) {
      return promptTuningInit(PromptTuningInit.fromJson(init));
    }

    public Builder promptTuningInitText(String text) {
      this.promptTuningInitText = text;
      return this;
    }

    public Builder tokenizerNameOrPath(String tokenizer) {
      this.tokenizerNameOrPath = tokenizer;
      return this;
    }

    @SuppressWarnings("unchecked")
    public Builder tokenizerKwargs(Map<String, ?> kwargs) {
      this.tokenizerKwargs = (Map<String, Object>) ConfigFields.freeze(kwargs);
      return this;
    }

    /** Java only: the token ids of the init text, as the tokenizer gives them (see {@link #initTokenIds()}). */
    public Builder initTokenIds(int... ids) {
      if (ids == null || ids.length == 0) {
        return initTokenIds((List<Integer>) null); // none given: tokenize with tokenizer_name_or_path
      }
      List<Integer> out = new ArrayList<>();
      for (int id : ids) {
        out.add(id);
      }
      return initTokenIds(out);
    }

    /**
     * Java only: the token ids of the init text; null (the default) to tokenize it with the {@code tokenizer.json} of
     * {@code tokenizer_name_or_path}.
     */
    public Builder initTokenIds(List<Integer> ids) {
      this.initTokenIds = ids == null ? null : new ArrayList<>(ids);
      return this;
    }

    @Override
    public PromptTuningConfig build() {
      validatePromptCommon();
      if (promptTuningInit == PromptTuningInit.TEXT) {
        if (tokenizerNameOrPath == null || tokenizerNameOrPath.isEmpty()) {
          throw new PeftConfigException("When prompt_tuning_init='TEXT', tokenizer_name_or_path can't be "
              + (tokenizerNameOrPath == null ? "None" : "''") + ".");
        }
        if (promptTuningInitText == null) {
          throw new PeftConfigException("When prompt_tuning_init='TEXT', prompt_tuning_init_text can't be None.");
        }
      }
      if (tokenizerKwargs != null && !tokenizerKwargs.isEmpty() && promptTuningInit != PromptTuningInit.TEXT) {
        throw new PeftConfigException("tokenizer_kwargs only valid when using prompt_tuning_init='TEXT'.");
      }
      if (initTokenIds != null) {
        if (initTokenIds.isEmpty() || initTokenIds.stream().anyMatch(id -> id == null || id < 0)) {
          throw new PeftConfigException("initTokenIds: expected a non-empty list of token ids >= 0, found "
              + initTokenIds);
        }
        if (promptTuningInit != PromptTuningInit.TEXT) {
          throw new PeftConfigException("initTokenIds (the tokenized prompt_tuning_init_text) only applies with "
              + "prompt_tuning_init='TEXT', not " + promptTuningInit);
        }
      }
      return new PromptTuningConfig(this);
    }
  }
}
