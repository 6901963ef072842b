package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;

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

    /**
     * Adds the head most transformers classifiers use ({@code BertForSequenceClassification}, {@code
     * BertForTokenClassification}): {@code dropout} with probability {@code p}, then a linear {@code classifier}
     * from {@code hiddenSize} to {@code num_labels}, the task head.
     */
    protected final void addDropoutAndClassifier(double p, long hiddenSize) {
        addModule("dropout", new Dropout(p));
        addTaskHead("classifier", new Linear(hiddenSize, numLabels(), true));
    }

    /** {@code classifier(dropout(hidden))}: the head added by {@link #addDropoutAndClassifier} on {@code hidden}. */
    protected final NDArray dropoutAndClassify(ParameterStore ps, NDArray hidden, boolean training) {
        return call("classifier", ps, training, call("dropout", ps, training, hidden));
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
