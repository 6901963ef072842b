package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.peft4j.models.ModelOutput;

/**
 * transformers' {@code Seq2SeqLMOutput}, the parts peft4j returns: the decoder's logits {@code (B, T_dec, V)} and,
 * with labels, the mean cross-entropy ignoring -100 (null without labels).
 */
public record Seq2SeqLMOutput(NDArray logits, NDArray loss) implements ModelOutput {}
