package ai.peft4j.models;

import ai.djl.ndarray.NDArray;

/**
 * A {@link PreTrainedModel} that labels every token ({@code *ForTokenClassification}, e.g. named entities): a base
 * model, then a head called {@link #classifierName()} that PEFT's {@code TOKEN_CLS} task trains in full ({@code
 * modules_to_save}). It takes the same inputs as a sequence classifier ({@link SequenceClassifierInputs}), with
 * labels {@code (B, T)}; logits are {@code (B, T, num_labels)} and the loss is the mean cross-entropy over the tokens
 * not labelled -100.
 */
public abstract class PreTrainedModelForTokenClassification
        extends PreTrainedModelForClassification<TokenClassifierOutput> {

    protected PreTrainedModelForTokenClassification(PretrainedConfig config) {
        super(config);
    }

    /**
     * transformers' token-classification loss: {@code CrossEntropyLoss()(logits.view(-1, L), labels.view(-1))}, or
     * null without labels.
     *
     * @throws IllegalArgumentException when the labels do not have one entry per logits position
     */
    public static NDArray tokenClassificationLoss(NDArray logits, NDArray labels, int numLabels) {
        if (labels == null) {
            return null;
        }
        long positions = logits.getShape().size() / numLabels;
        if (labels.getShape().size() != positions) {
            throw new IllegalArgumentException(
                    "labels have shape " + labels.getShape() + " but the logits " + logits.getShape()
                            + " need one label per position (" + positions + "); use -100 where no label applies");
        }
        return Losses.crossEntropy(logits.reshape(-1, numLabels), labels.reshape(-1));
    }
}
