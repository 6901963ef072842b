package ai.peft4j.models.bloom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.Scalars;

/**
 * transformers' {@code BloomMLP}: {@code residual + dropout(dense_4h_to_h(gelu(dense_h_to_4h(h))))}, with Bloom's
 * tanh-approximated GELU.
 */
public class BloomMlp extends ModuleBlock {

    private final float hiddenDropout;

    public BloomMlp(BloomConfig c) {
        int d = c.hiddenSize();
        hiddenDropout = (float) c.hiddenDropout();
        addModule("dense_h_to_4h", new Linear(d, 4L * d, true));
        addModule("dense_4h_to_h", new Linear(4L * d, d, true));
    }

    /** {@code h (B, T, D)} normed input, {@code residual (B, T, D)} → {@code (B, T, D)}. */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray residual, boolean training) {
        NDArray inner = gelu(call("dense_h_to_4h", ps, training, h));
        NDArray out = call("dense_4h_to_h", ps, training, inner);
        return residual.add(Dropout.apply(out, hiddenDropout, training));
    }

    /**
     * transformers' {@code bloom_gelu_forward}: {@code x * 0.5 * (1 + tanh(0.79788456 * x * (1 + 0.044715 * x * x)))},
     * with Megatron's rounded constant.
     */
    public static NDArray gelu(NDArray x) {
        NDArray inner =
                Scalars.mul(x, 0.79788456).mul(Scalars.mul(x.mul(x), 0.044715).add(1f));
        return Scalars.mul(x, 0.5).mul(inner.tanh().add(1f));
    }

    /** {@inheritDoc} Inputs: the normed hidden states and the residual. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.get(0), inputs.get(1), training));
    }
}
