package ai.peft4j.models;

import ai.djl.ndarray.NDArray;

/**
 * What an extractive question-answering model returns: the span-start and span-end scores {@code startLogits (B,
 * T)} and {@code endLogits (B, T)} and, when both positions were given, the {@code loss} (the mean of the start and
 * end cross-entropies; else null). All live on the manager of the inputs.
 */
public record QuestionAnsweringModelOutput(NDArray startLogits, NDArray endLogits, NDArray loss) {}
