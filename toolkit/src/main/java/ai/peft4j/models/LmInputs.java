package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * The inputs of a language-model forward pass, named as in transformers. Exactly one of {@code
 * inputIds (B, T)} and {@code inputsEmbeds (B, T, D)} is set; {@code attentionMask (B, T)} (1 =
 * attend) and {@code labels (B, T)} (-100 = ignore) may be null. {@code pastKeyValues}, when not null, holds one
 * {@code (key, value)} pair per layer, each {@code (B, H, P, hd)}, prepended to that layer's keys and values (what
 * prefix tuning feeds in); the attention mask then covers {@code P + T} positions. {@code positionIds (B, T)} or
 * {@code (1, T)}, when not null, are the positions of the T tokens; without them a model that takes position ids
 * (GPT-2, Llama) uses transformers' default {@code P, P + 1, ..., P + T - 1}, padding or not. Only {@code generate}
 * counts positions from the attention mask ({@link CausalMask#positions}), as transformers' generate does.
 *
 * <pre>{@code
 * LmInputs in = LmInputs.of(ids, mask, labels).withPositionIds(positions);
 * }</pre>
 */
public record LmInputs(
        NDArray inputIds,
        NDArray inputsEmbeds,
        NDArray attentionMask,
        NDArray labels,
        List<NDList> pastKeyValues,
        NDArray positionIds)
        implements ModelInputs {

    /** Inputs without past keys and values. */
    public LmInputs(NDArray inputIds, NDArray inputsEmbeds, NDArray attentionMask, NDArray labels) {
        this(inputIds, inputsEmbeds, attentionMask, labels, null, null);
    }

    /** Inputs with the default position ids. */
    public LmInputs(
            NDArray inputIds, NDArray inputsEmbeds, NDArray attentionMask, NDArray labels, List<NDList> pastKeyValues) {
        this(inputIds, inputsEmbeds, attentionMask, labels, pastKeyValues, null);
    }

    public LmInputs {
        ModelInputs.requireIdsOrEmbeds(inputIds, inputsEmbeds);
    }

    /** Token ids with an optional mask and labels. */
    public static LmInputs of(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        return new LmInputs(inputIds, null, attentionMask, labels);
    }

    /** These inputs with other past keys and values ({@code null} for none). */
    public LmInputs withPastKeyValues(List<NDList> past) {
        return new LmInputs(inputIds, inputsEmbeds, attentionMask, labels, past, positionIds);
    }

    /** These inputs with other position ids ({@code null} for the model's default). */
    public LmInputs withPositionIds(NDArray positions) {
        return new LmInputs(inputIds, inputsEmbeds, attentionMask, labels, pastKeyValues, positions);
    }
}
