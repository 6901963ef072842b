package ai.peft4j.models;

import ai.djl.ndarray.NDArray;

/**
 * A {@link PreTrainedModel} that classifies a whole sequence ({@code *ForSequenceClassification}): a base model, then
 * a head called {@link #classifierName()} that PEFT's {@code SEQ_CLS} task trains in full ({@code modules_to_save}).
 * Logits are {@code (B, num_labels)}; labels are class ids {@code (B)}, float targets, or null, and the loss is the
 * one {@code problem_type} selects (see {@link Losses#sequenceClassificationLoss}).
 */
public abstract class PreTrainedModelForSequenceClassification
        extends PreTrainedModelForClassification<SequenceClassifierOutput> {

    protected PreTrainedModelForSequenceClassification(PretrainedConfig config) {
        super(config);
    }

    /** The loss for {@code logits} under this model's {@code num_labels} and {@code problem_type}. */
    protected NDArray loss(NDArray logits, NDArray labels) {
        return labels == null
                ? null
                : Losses.sequenceClassificationLoss(logits, labels, numLabels(), config().problemType());
    }
}
