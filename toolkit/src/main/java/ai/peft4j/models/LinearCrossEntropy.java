package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.Linear;
import java.util.ArrayList;
import java.util.List;

/**
 * Mean cross-entropy of {@code hidden Wᵀ + b} against labels without materialising the logits:
 * rows are processed in chunks with autograd off, and the gradients with respect to the hidden
 * states (and to {@code W}, {@code b} when they are trained) are computed there, in closed form.
 * The result is a scalar whose value is the loss and whose backward delivers exactly those
 * gradients: {@code loss + Σ h·g − stop(Σ h·g)}.
 *
 * <p>For an LM head the logits {@code (B, T, V)} and their softmax and gradients dominate a
 * training step's memory (≈100 MB each at opt-125m, batch 4 × 128); here at most one chunk of
 * {@code rows × V} exists at a time. First derivatives are exact; second derivatives are not
 * supported (nothing in training needs them).
 */
final class LinearCrossEntropy {

    /** About 32 MB of fp32 logits per chunk. */
    static final long CHUNK_ELEMENTS = 1L << 23;

    private LinearCrossEntropy() {}

    /**
     * @param hidden {@code (N, D)}
     * @param weight {@code (V, D)}
     * @param bias {@code (V)} or null
     * @param target {@code (N)} int64 class ids, {@link Losses#IGNORE_INDEX} where ignored
     * @param chunkRows rows per chunk
     */
    static NDArray loss(NDArray hidden, NDArray weight, NDArray bias, NDArray target, long chunkRows) {
        long n = hidden.getShape().get(0);
        boolean recording = GradMode.isEnabled(); // false in evaluation: no gradients to prepare
        boolean hiddenGrad = recording; // DJL's hasGradient() is false for non-leaf arrays
        boolean weightGrad = recording && weight.hasGradient();
        boolean biasGrad = recording && bias != null && bias.hasGradient();
        NDArray gradHidden;
        NDArray gradWeight = null;
        NDArray gradBias = null;
        NDArray value;
        try (GradMode.Scope off = GradMode.off()) {
            NDArray keep = target.neq(Losses.IGNORE_INDEX);
            NDArray safe = target.mul(keep.toType(DataType.INT64, false));
            // d(mean loss)/d(logit) = (softmax - onehot) * keep / count: each row's weight.
            NDArray rowWeight = keep.toType(hidden.getDataType(), false);
            rowWeight = rowWeight.div(rowWeight.sum());
            List<NDArray> gradRows = new ArrayList<>();
            NDArray lossSum = null;
            for (long start = 0; start < n; start += chunkRows) {
                NDIndex rows = new NDIndex("{}:{}", start, Math.min(n, start + chunkRows));
                try (ForwardScope chunk = ForwardScope.open()) {
                    NDArray h = hidden.get(rows);
                    NDArray t = safe.get(rows);
                    NDArray w = rowWeight.get(rows).expandDims(-1); // (c, 1)
                    NDArray logp = Linear.linear(h, weight, bias).logSoftmax(-1); // (c, V)
                    NDArray picked = logp.gather(t.expandDims(-1), -1); // (c, 1)
                    lossSum = accumulate(chunk, lossSum, picked.mul(w).sum().neg());
                    NDArray dLogits = logp.exp().muli(w); // softmax * w; the onehot part is subtracted below
                    if (hiddenGrad) {
                        NDArray targetRows = weight.get(new NDIndex("{}", t)); // (c, D): onehot · W
                        gradRows.add(chunk.keep(dLogits.matMul(weight).subi(targetRows.muli(w))));
                    }
                    if (weightGrad || biasGrad) {
                        dLogits.subi(t.oneHot((int) weight.getShape().get(0), hidden.getDataType())
                                .muli(w));
                        if (weightGrad) {
                            gradWeight = accumulate(
                                    chunk, gradWeight, dLogits.transpose().matMul(h));
                        }
                        if (biasGrad) {
                            gradBias = accumulate(chunk, gradBias, dLogits.sum(new int[] {0}));
                        }
                    }
                }
            }
            gradHidden = gradRows.isEmpty()
                    ? null
                    : gradRows.size() == 1 ? gradRows.get(0) : NDArrays.concat(new NDList(gradRows), 0);
            value = lossSum;
        }
        NDArray loss =
                gradHidden == null ? value : surrogate(hidden, gradHidden).add(value);
        if (gradWeight != null) {
            loss = loss.add(surrogate(weight, gradWeight));
        }
        if (gradBias != null) {
            loss = loss.add(surrogate(bias, gradBias));
        }
        return loss;
    }

    /** {@code sum += part} in place (the first part becomes the sum), kept past the chunk. */
    private static NDArray accumulate(ForwardScope chunk, NDArray sum, NDArray part) {
        return sum == null ? chunk.keep(part) : sum.addi(part);
    }

    /** Zero in value, {@code grad} as the gradient of {@code x}. */
    private static NDArray surrogate(NDArray x, NDArray grad) {
        NDArray dot = x.mul(grad).sum();
        return dot.sub(dot.stopGradient());
    }

    /** Rows per chunk for a vocabulary of {@code v}. */
    static long chunkRows(long v) {
        return Math.max(1, CHUNK_ELEMENTS / Math.max(1, v));
    }

    /** transformers' shift: position t is scored against label t + 1; the last position is ignored. */
    static NDArray shiftedTargets(NDArray labels) {
        long b = labels.getShape().get(0);
        NDArray next = labels.toType(DataType.INT64, false).get(new NDIndex(":, 1:"));
        NDArray pad = next.getManager().full(new Shape(b, 1), Losses.IGNORE_INDEX, DataType.INT64, next.getDevice());
        return next.concat(pad, 1).reshape(-1);
    }
}
