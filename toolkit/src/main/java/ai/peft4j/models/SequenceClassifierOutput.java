package ai.peft4j.models;

import ai.djl.ndarray.NDArray;

/**
 * What a sequence classifier returns: {@code logits (B, num_labels)} and, when labels were given,
 * the scalar {@code loss} chosen by {@code problem_type} (else null). Both live on the manager of
 * the inputs.
 */
public record SequenceClassifierOutput(NDArray logits, NDArray loss) implements ModelOutput {}
