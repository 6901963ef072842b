package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * The inputs of an extractive question-answering forward pass, named as in transformers. Exactly one of {@code
 * inputIds (B, T)} and {@code inputsEmbeds (B, T, D)} is set. {@code attentionMask (B, T)} (1 = attend), {@code
 * tokenTypeIds (B, T)} (0 for the question, 1 for the context; zeros when null), {@code startPositions (B)} and
 * {@code endPositions (B)} (the answer span's token indices; both or neither) may be null. {@code pastKeyValues},
 * when not null, holds one {@code (key, value)} pair per layer, each {@code (B, H, P, hd)} (prefix tuning); the
 * attention mask then covers {@code P + T} positions.
 *
 * <pre>{@code
 * QuestionAnsweringModelOutput out = qa.forward(QuestionAnsweringInputs.of(ids, mask, start, end));
 * }</pre>
 */
public record QuestionAnsweringInputs(
        NDArray inputIds,
        NDArray inputsEmbeds,
        NDArray attentionMask,
        NDArray tokenTypeIds,
        NDArray startPositions,
        NDArray endPositions,
        List<NDList> pastKeyValues)
        implements ModelInputs {

    public QuestionAnsweringInputs {
        ModelInputs.requireIdsOrEmbeds(inputIds, inputsEmbeds);
    }

    /** Token ids with an optional mask and answer span. */
    public static QuestionAnsweringInputs of(
            NDArray inputIds, NDArray attentionMask, NDArray startPositions, NDArray endPositions) {
        return new QuestionAnsweringInputs(inputIds, null, attentionMask, null, startPositions, endPositions, null);
    }

    /** These inputs with other token type ids ({@code null} for zeros). */
    public QuestionAnsweringInputs withTokenTypeIds(NDArray types) {
        return new QuestionAnsweringInputs(
                inputIds, inputsEmbeds, attentionMask, types, startPositions, endPositions, pastKeyValues);
    }

    /** These inputs with other past keys and values ({@code null} for none). */
    public QuestionAnsweringInputs withPastKeyValues(List<NDList> past) {
        return new QuestionAnsweringInputs(
                inputIds, inputsEmbeds, attentionMask, tokenTypeIds, startPositions, endPositions, past);
    }

    /** These inputs without the answer span: what the encoder reads, as a sequence classifier's inputs. */
    public SequenceClassifierInputs withoutPositions() {
        return new SequenceClassifierInputs(inputIds, inputsEmbeds, attentionMask, tokenTypeIds, null, pastKeyValues);
    }
}
