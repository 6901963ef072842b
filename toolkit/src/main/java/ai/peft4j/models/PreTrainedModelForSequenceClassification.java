package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Embedding;

/**
 * A {@link PreTrainedModel} that classifies a whole sequence ({@code *ForSequenceClassification}):
 * a base model, then a head called {@link #classifierName()} that PEFT's {@code SEQ_CLS} task
 * trains in full ({@code modules_to_save}).
 */
public abstract class PreTrainedModelForSequenceClassification extends PreTrainedModel {

    protected PreTrainedModelForSequenceClassification(PretrainedConfig config) {
        super(config);
    }

    /** The number of outputs of the head ({@code config.num_labels}). */
    public int numLabels() {
        return config().numLabels();
    }

    /** The attribute name of the head ({@code "classifier"} for RoBERTa, {@code "score"} for GPTs). */
    public abstract String classifierName();

    /** The token embedding ({@code get_input_embeddings()}), for building {@code inputs_embeds}. */
    public abstract Embedding inputEmbeddings();

    /** The full forward pass; {@code ps} supplies parameter values on the inputs' device. */
    public abstract SequenceClassifierOutput forward(ParameterStore ps, SequenceClassifierInputs in, boolean training);

    /**
     * Logits {@code (B, num_labels)} and, when {@code labels} is not null, the loss that {@code
     * problem_type} selects (see {@link Losses#sequenceClassificationLoss}). Results live on the
     * manager of {@code inputIds}; run each step under its own manager to free them.
     *
     * @param inputIds token ids {@code (B, T)}
     * @param attentionMask 1 for tokens, 0 for padding, {@code (B, T)}; null means all ones
     * @param labels class ids {@code (B)}, float targets, or null
     */
    public SequenceClassifierOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        return forward(SequenceClassifierInputs.of(inputIds, attentionMask, labels));
    }

    /** {@link #forward(NDArray, NDArray, NDArray)} for any inputs, in the model's current mode. */
    public SequenceClassifierOutput forward(SequenceClassifierInputs in) {
        ParameterStore ps = new ParameterStore(in.any().getManager(), false);
        return forward(ps, in, isTraining());
    }

    /** The loss for {@code logits} under this model's {@code num_labels} and {@code problem_type}. */
    protected NDArray loss(NDArray logits, NDArray labels) {
        return labels == null
                ? null
                : Losses.sequenceClassificationLoss(logits, labels, numLabels(), config().problemType());
    }

    /** {@inheritDoc} Inputs: input ids, then optionally attention mask and labels. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        NDArray labels = inputs.size() > 2 ? inputs.get(2) : null;
        SequenceClassifierOutput out = forward(ps, SequenceClassifierInputs.of(inputs.get(0), mask, labels), training);
        return out.loss() == null ? new NDList(out.logits()) : new NDList(out.logits(), out.loss());
    }
}
