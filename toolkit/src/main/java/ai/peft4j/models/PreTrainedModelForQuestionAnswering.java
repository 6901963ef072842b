package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A {@link PreTrainedModel} for extractive question answering ({@code *ForQuestionAnswering}): a base model, then a
 * head called {@link #qaOutputsName()} that scores each token as the answer's start and end, and that PEFT's {@code
 * QUESTION_ANS} task trains in full ({@code modules_to_save}).
 */
public abstract class PreTrainedModelForQuestionAnswering extends PreTrainedModel {

    protected PreTrainedModelForQuestionAnswering(PretrainedConfig config) {
        super(config);
    }

    /** The attribute name of the span head ({@code "qa_outputs"}). */
    public String qaOutputsName() {
        return taskHeadName();
    }

    /** The full forward pass; {@code ps} supplies parameter values on the inputs' device. */
    public abstract QuestionAnsweringModelOutput forward(
            ParameterStore ps, QuestionAnsweringInputs in, boolean training);

    /**
     * Start and end logits {@code (B, T)} and, when both positions {@code (B)} are given, the loss. Results live on
     * the manager of {@code inputIds}.
     */
    public QuestionAnsweringModelOutput forward(
            NDArray inputIds, NDArray attentionMask, NDArray startPositions, NDArray endPositions) {
        return forward(QuestionAnsweringInputs.of(inputIds, attentionMask, startPositions, endPositions));
    }

    /** {@link #forward(NDArray, NDArray, NDArray, NDArray)} for any inputs, in the model's current mode. */
    public QuestionAnsweringModelOutput forward(QuestionAnsweringInputs in) {
        return forward(new ParameterStore(in.any().getManager(), false), in, isTraining());
    }

    /**
     * transformers' span loss: positions (squeezed to {@code (B)}) are clamped to {@code [0, T]}, position {@code T}
     * (outside the input) is ignored, and the loss is the mean of the start and end cross-entropies; null unless both
     * positions are given.
     */
    public static NDArray questionAnsweringLoss(
            NDArray startLogits, NDArray endLogits, NDArray startPositions, NDArray endPositions) {
        if (startPositions == null || endPositions == null) {
            return null;
        }
        long ignored = startLogits.getShape().get(1);
        NDArray startLoss = Losses.crossEntropy(startLogits, clampedTargets(startPositions, ignored));
        NDArray endLoss = Losses.crossEntropy(endLogits, clampedTargets(endPositions, ignored));
        return startLoss.add(endLoss).div(2f);
    }

    /** {@code clamp(p, 0, T)}, with {@code T} turned into the ignore label. */
    private static NDArray clampedTargets(NDArray positions, long t) {
        NDArray p = positions.toType(DataType.INT64, false).reshape(-1).clip(0, t);
        NDArray outside = p.eq(t).toType(DataType.INT64, false);
        return p.mul(outside.neg().add(1)).add(outside.mul(Losses.IGNORE_INDEX));
    }

    /** {@inheritDoc} Inputs: input ids, then optionally attention mask, start and end positions. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = optionalInput(inputs, 1);
        NDArray start = inputs.size() > 3 ? inputs.get(2) : null; // both positions or neither
        NDArray end = optionalInput(inputs, 3);
        QuestionAnsweringModelOutput out =
                forward(ps, QuestionAnsweringInputs.of(inputs.get(0), mask, start, end), training);
        return out.loss() == null
                ? new NDList(out.startLogits(), out.endLogits())
                : new NDList(out.startLogits(), out.endLogits(), out.loss());
    }
}
