package ai.peft4j.models;

import ai.djl.ndarray.NDArray;

/**
 * What a bare model returns (transformers' {@code BaseModelOutputWithPooling}): the last hidden states {@code (B, T,
 * D)} and, for a model with a pooler, the pooled output {@code (B, D)} (else null).
 */
public record BaseModelOutput(NDArray lastHiddenState, NDArray poolerOutput) {}
