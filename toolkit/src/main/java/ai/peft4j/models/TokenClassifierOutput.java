package ai.peft4j.models;

import ai.djl.ndarray.NDArray;

/**
 * What a token classifier returns: {@code logits (B, T, num_labels)} and, when labels were given, the mean
 * cross-entropy {@code loss} over the positions not labelled -100 (else null). Both live on the manager of the
 * inputs.
 */
public record TokenClassifierOutput(NDArray logits, NDArray loss) implements ModelOutput {}
