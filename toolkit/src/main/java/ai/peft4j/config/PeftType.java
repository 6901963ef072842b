package ai.peft4j.config;

/**
 * The adapter methods PEFT 0.10 knows, spelled as they appear in {@code "peft_type"} of
 * {@code adapter_config.json}.
 *
 * <p>Listing a method here does not mean peft4j implements it: {@link PeftConfigRegistry#isSupported(PeftType)}
 * says which configs can be read.
 *
 * <pre>{@code
 * PeftType.valueOf("LORA").isPromptLearning();   // false
 * PeftType.P_TUNING.isPromptLearning();          // true
 * }</pre>
 */
public enum PeftType {
    PROMPT_TUNING,
    MULTITASK_PROMPT_TUNING,
    P_TUNING,
    PREFIX_TUNING,
    LORA,
    ADALORA,
    ADAPTION_PROMPT,
    IA3,
    LOHA,
    LOKR,
    OFT,
    POLY;

    /** The string PEFT writes for this type (equal to the constant's name). */
    public String jsonValue() {
        return name();
    }

    /**
     * Whether the method learns virtual tokens instead of changing layers; such adapters are applied at the input
     * rather than injected into modules.
     */
    public boolean isPromptLearning() {
        return this == PROMPT_TUNING || this == MULTITASK_PROMPT_TUNING || this == P_TUNING || this == PREFIX_TUNING;
    }
}
