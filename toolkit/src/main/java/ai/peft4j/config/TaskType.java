package ai.peft4j.config;

/**
 * The model heads PEFT wraps, spelled as they appear in {@code "task_type"} of {@code adapter_config.json}.
 *
 * <pre>{@code
 * LoraConfig.builder().taskType(TaskType.CAUSAL_LM).build().taskType();   // CAUSAL_LM
 * }</pre>
 */
public enum TaskType {
    /** Text classification. */
    SEQ_CLS,
    /** Sequence-to-sequence language modelling. */
    SEQ_2_SEQ_LM,
    /** Causal (decoder-only) language modelling. */
    CAUSAL_LM,
    /** Token classification. */
    TOKEN_CLS,
    /** Extractive question answering. */
    QUESTION_ANS,
    /** Hidden states used as features or embeddings. */
    FEATURE_EXTRACTION;

    /** The string PEFT writes for this task (equal to the constant's name). */
    public String jsonValue() {
        return name();
    }
}
