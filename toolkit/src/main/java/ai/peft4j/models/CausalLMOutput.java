package ai.peft4j.models;

import ai.djl.ndarray.NDArray;

/**
 * What a causal language model returns: {@code logits (B, T, V)} and, when labels were given,
 * the mean cross-entropy {@code loss} over the non-ignored positions (else null). Both live on the
 * manager of the inputs.
 */
public record CausalLMOutput(NDArray logits, NDArray loss) implements ModelOutput {}
