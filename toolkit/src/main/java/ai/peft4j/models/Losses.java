package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.peft4j.nn.Scalars;

/** Loss functions with transformers' conventions. */
public final class Losses {

    /** The label value that cross-entropy ignores, as in PyTorch's {@code ignore_index}. */
    public static final int IGNORE_INDEX = -100;

    private Losses() {}

    /**
     * Mean cross-entropy of {@code logits (N..., C)} against integer {@code labels (N...)}, skipping
     * positions labelled {@link #IGNORE_INDEX}; PyTorch's {@code CrossEntropyLoss()}.
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray target = labels.toType(DataType.INT64, false);
        NDArray keep = target.neq(IGNORE_INDEX);
        NDArray safe = target.mul(keep.toType(DataType.INT64, false));
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.gather(safe.expandDims(-1), -1).squeeze(-1);
        NDArray weight = keep.toType(logp.getDataType(), false);
        return picked.mul(weight).sum().neg().div(weight.sum());
    }

    /**
     * transformers' causal-LM loss: position t predicts token t+1, so logits drop the last step and
     * labels the first.
     */
    public static NDArray causalLmLoss(NDArray logits, NDArray labels) {
        NDArray shiftedLogits = logits.get(new NDIndex(":, :-1, :"));
        NDArray shiftedLabels = labels.get(new NDIndex(":, 1:"));
        return crossEntropy(shiftedLogits, shiftedLabels);
    }

    /**
     * {@link #causalLmLoss(NDArray, NDArray)} of the logits {@code hidden Wᵀ + b}, with the same value
     * and gradients, computed a chunk of positions at a time so that the {@code (B, T, V)} logits,
     * their softmax and their gradient never exist at once. Gradients reach {@code hidden} and,
     * when they require it, {@code weight} and {@code bias}; second derivatives are not supported.
     *
     * @param hidden last hidden states {@code (B, T, D)}
     * @param weight LM head weight {@code (V, D)}
     * @param bias LM head bias {@code (V)}, or null
     * @param labels {@code (B, T)}, {@link #IGNORE_INDEX} where ignored
     */
    public static NDArray causalLmLoss(NDArray hidden, NDArray weight, NDArray bias, NDArray labels) {
        NDArray rows =
                hidden.reshape(-1, hidden.getShape().get(hidden.getShape().dimension() - 1));
        return LinearCrossEntropy.loss(
                rows,
                weight,
                bias,
                LinearCrossEntropy.shiftedTargets(labels),
                LinearCrossEntropy.chunkRows(weight.getShape().get(0)));
    }

    /** Mean squared error; PyTorch's {@code MSELoss()}. {@code target} is cast to the input type. */
    public static NDArray mse(NDArray input, NDArray target) {
        NDArray diff = input.sub(target.toType(input.getDataType(), false));
        return diff.mul(diff).mean();
    }

    /**
     * Mean binary cross-entropy on logits, computed stably as {@code max(x, 0) - x y + log(1 +
     * exp(-|x|))}; PyTorch's {@code BCEWithLogitsLoss()}.
     */
    public static NDArray bceWithLogits(NDArray logits, NDArray target) {
        NDArray y = target.toType(logits.getDataType(), false);
        NDArray softplus = logits.abs().neg().exp().add(1f).log(); // log1p(exp(-|x|))
        return Scalars.maximum(logits, 0).sub(logits.mul(y)).add(softplus).mean();
    }

    /**
     * transformers' sequence-classification loss for {@code logits (B, numLabels)}. Without a
     * {@code problemType}, one label means regression, integer labels ({@code int32}/{@code int64})
     * single-label classification and anything else multi-label classification, as in {@code
     * *ForSequenceClassification.forward}:
     *
     * <ul>
     *   <li>regression: {@link #mse} ({@code logits.squeeze()} vs {@code labels.squeeze()} for one
     *       label)
     *   <li>single_label_classification: {@link #crossEntropy} over {@code (-1, numLabels)}
     *   <li>multi_label_classification: {@link #bceWithLogits}
     * </ul>
     */
    public static NDArray sequenceClassificationLoss(
            NDArray logits, NDArray labels, int numLabels, String problemType) {
        String type = problemType;
        if (type == null) {
            DataType dt = labels.getDataType();
            if (numLabels == 1) {
                type = "regression";
            } else if (dt == DataType.INT64 || dt == DataType.INT32) {
                type = "single_label_classification";
            } else {
                type = "multi_label_classification";
            }
        }
        switch (type) {
            case "regression":
                return numLabels == 1 ? mse(logits.squeeze(), labels.squeeze()) : mse(logits, labels);
            case "single_label_classification":
                return crossEntropy(logits.reshape(-1, numLabels), labels.reshape(-1));
            case "multi_label_classification":
                return bceWithLogits(logits, labels);
            default:
                throw new IllegalArgumentException("unknown problem_type '" + problemType + "'");
        }
    }
}
