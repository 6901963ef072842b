package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Embedding;

/**
 * A {@link PreTrainedModel} that labels every token ({@code *ForTokenClassification}, e.g. named entities): a base
 * model, then a head called {@link #classifierName()} that PEFT's {@code TOKEN_CLS} task trains in full ({@code
 * modules_to_save}). It takes the same inputs as a sequence classifier ({@link SequenceClassifierInputs}), with
 * labels {@code (B, T)}.
 */
public abstract class PreTrainedModelForTokenClassification extends PreTrainedModel {

    protected PreTrainedModelForTokenClassification(PretrainedConfig config) {
        super(config);
    }

    /** The number of outputs per token ({@code config.num_labels}). */
    public int numLabels() {
        return config().numLabels();
    }

    /** The attribute name of the head ({@code "classifier"} for BERT). */
    public abstract String classifierName();

    /** The token embedding ({@code get_input_embeddings()}), for building {@code inputs_embeds}. */
    public abstract Embedding inputEmbeddings();

    /** The full forward pass; {@code ps} supplies parameter values on the inputs' device. */
    public abstract TokenClassifierOutput forward(ParameterStore ps, SequenceClassifierInputs in, boolean training);

    /**
     * Logits {@code (B, T, num_labels)} and, when {@code labels (B, T)} is not null, the mean cross-entropy over the
     * tokens not labelled -100. Results live on the manager of {@code inputIds}.
     */
    public TokenClassifierOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        return forward(SequenceClassifierInputs.of(inputIds, attentionMask, labels));
    }

    /** {@link #forward(NDArray, NDArray, NDArray)} for any inputs, in the model's current mode. */
    public TokenClassifierOutput forward(SequenceClassifierInputs in) {
        return forward(new ParameterStore(in.any().getManager(), false), in, isTraining());
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

    /** {@inheritDoc} Inputs: input ids, then optionally attention mask and labels. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        NDArray labels = inputs.size() > 2 ? inputs.get(2) : null;
        TokenClassifierOutput out = forward(ps, SequenceClassifierInputs.of(inputs.get(0), mask, labels), training);
        return out.loss() == null ? new NDList(out.logits()) : new NDList(out.logits(), out.loss());
    }
}
