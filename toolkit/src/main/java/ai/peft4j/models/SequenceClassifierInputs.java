package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * The inputs of a sequence-classification forward pass, named as in transformers. Exactly one of
 * {@code inputIds (B, T)} and {@code inputsEmbeds (B, T, D)} is set (prompt tuning passes
 * embeddings with virtual tokens prepended). {@code attentionMask (B, T)} (1 = attend), {@code
 * tokenTypeIds (B, T)} (segment ids, zeros when null) and {@code labels} may be null; labels are
 * {@code (B)} integers for single-label classification, {@code (B)} or {@code (B, 1)} floats for
 * regression and {@code (B, num_labels)} floats for multi-label classification. {@code pastKeyValues}, when not
 * null, holds one {@code (key, value)} pair per layer, each {@code (B, H, P, hd)}, prepended to that layer's keys and
 * values (prefix tuning); the attention mask then covers {@code P + T} positions.
 */
public record SequenceClassifierInputs(
        NDArray inputIds,
        NDArray inputsEmbeds,
        NDArray attentionMask,
        NDArray tokenTypeIds,
        NDArray labels,
        List<NDList> pastKeyValues)
        implements ModelInputs {

    /** Inputs without past keys and values. */
    public SequenceClassifierInputs(
            NDArray inputIds, NDArray inputsEmbeds, NDArray attentionMask, NDArray tokenTypeIds, NDArray labels) {
        this(inputIds, inputsEmbeds, attentionMask, tokenTypeIds, labels, null);
    }

    public SequenceClassifierInputs {
        ModelInputs.requireIdsOrEmbeds(inputIds, inputsEmbeds);
    }

    /** Token ids with an optional mask and labels. */
    public static SequenceClassifierInputs of(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        return new SequenceClassifierInputs(inputIds, null, attentionMask, null, labels);
    }

    /** Input embeddings {@code (B, T, D)} with an optional mask and labels. */
    public static SequenceClassifierInputs ofEmbeds(NDArray inputsEmbeds, NDArray attentionMask, NDArray labels) {
        return new SequenceClassifierInputs(null, inputsEmbeds, attentionMask, null, labels);
    }

    /** These inputs with other labels. */
    public SequenceClassifierInputs withLabels(NDArray newLabels) {
        return new SequenceClassifierInputs(
                inputIds, inputsEmbeds, attentionMask, tokenTypeIds, newLabels, pastKeyValues);
    }

    /** These inputs with other past keys and values ({@code null} for none). */
    public SequenceClassifierInputs withPastKeyValues(List<NDList> past) {
        return new SequenceClassifierInputs(inputIds, inputsEmbeds, attentionMask, tokenTypeIds, labels, past);
    }
}
