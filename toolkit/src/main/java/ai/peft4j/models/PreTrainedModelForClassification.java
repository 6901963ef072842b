package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A {@link PreTrainedModel} that puts a classifier on a base model and reads {@link SequenceClassifierInputs}: one
 * label per sequence ({@link PreTrainedModelForSequenceClassification}) or per token ({@link
 * PreTrainedModelForTokenClassification}). The classifier is the model's task head ({@link #addTaskHead}).
 *
 * @param <O> what the forward pass returns
 */
public abstract class PreTrainedModelForClassification<O extends ModelOutput> extends PreTrainedModel {

    protected PreTrainedModelForClassification(PretrainedConfig config) {
        super(config);
    }

    /** The number of outputs of the head ({@code config.num_labels}). */
    public int numLabels() {
        return config().numLabels();
    }

    /** The attribute name of the head ({@code "classifier"} for BERT and RoBERTa, {@code "score"} for GPTs). */
    public String classifierName() {
        return taskHeadName();
    }

    /** The full forward pass; {@code ps} supplies parameter values on the inputs' device. */
    public abstract O forward(ParameterStore ps, SequenceClassifierInputs in, boolean training);

    /** {@link #forward(NDArray, NDArray, NDArray)} for any inputs, in the model's current mode. */
    public O forward(SequenceClassifierInputs in) {
        return forward(new ParameterStore(in.any().getManager(), false), in, isTraining());
    }

    /**
     * Logits and, when {@code labels} is not null, the loss. Results live on the manager of {@code inputIds}; run
     * each step under its own manager to free them.
     *
     * @param inputIds token ids {@code (B, T)}
     * @param attentionMask 1 for tokens, 0 for padding, {@code (B, T)}; null means all ones
     * @param labels targets, or null
     */
    public O forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        return forward(SequenceClassifierInputs.of(inputIds, attentionMask, labels));
    }

    /** {@inheritDoc} Inputs: input ids, then optionally attention mask and labels; outputs logits, then the loss. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        SequenceClassifierInputs in =
                SequenceClassifierInputs.of(inputs.get(0), optionalInput(inputs, 1), optionalInput(inputs, 2));
        return forward(ps, in, training).toNDList();
    }
}
