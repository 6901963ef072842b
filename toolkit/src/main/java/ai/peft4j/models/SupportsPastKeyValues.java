package ai.peft4j.models;

/**
 * Marks a model whose forward accepts {@code pastKeyValues} in its inputs ({@link LmInputs}, {@link
 * SequenceClassifierInputs}): per-layer keys and values prepended in every attention layer. PEFT's prefix tuning
 * needs it, as transformers models need a {@code past_key_values} argument.
 */
public interface SupportsPastKeyValues {}
