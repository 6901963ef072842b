package ai.peft4j.models.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.models.Attention;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.Scalars;

/** Multi-head self-attention with {@code k_proj}, {@code v_proj}, {@code q_proj}, {@code out_proj}. */
public class OptAttention extends ModuleBlock {

    private final int numHeads;
    private final int headDim;
    private final float scaling;
    private final float dropout;

    public OptAttention(OptConfig c) {
        int d = c.hiddenSize();
        numHeads = c.numAttentionHeads();
        headDim = d / numHeads;
        scaling = (float) Math.pow(headDim, -0.5);
        dropout = (float) c.attentionDropout();
        addModule("k_proj", new Linear(d, d, c.enableBias()));
        addModule("v_proj", new Linear(d, d, c.enableBias()));
        addModule("q_proj", new Linear(d, d, c.enableBias()));
        addModule("out_proj", new Linear(d, d, c.enableBias()));
    }

    /**
     * @param h hidden states {@code (B, T, D)}
     * @param mask additive mask {@code (B, 1, T, S)}: 0 where attending, the float minimum elsewhere
     */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, boolean training) {
        return forward(ps, h, mask, null, null, training);
    }

    /**
     * Attention with past keys and values {@code (B, H, P, hd)} prepended to this step's ({@code S = P + T}), as
     * transformers' {@code past_key_value}; both null for none.
     */
    public NDArray forward(
            ParameterStore ps, NDArray h, NDArray mask, NDArray pastKey, NDArray pastValue, boolean training) {
        return forward(ps, h, mask, pastKey, pastValue, training, null);
    }

    /**
     * {@link #forward(ParameterStore, NDArray, NDArray, NDArray, NDArray, boolean)} that adds the keys and values it
     * attended to ({@code (B, H, S, hd)} each, past included) to {@code present} when not null: transformers'
     * {@code present_key_value}, the next step's past in cached generation.
     */
    public NDArray forward(
            ParameterStore ps,
            NDArray h,
            NDArray mask,
            NDArray pastKey,
            NDArray pastValue,
            boolean training,
            NDList present) {
        NDArray q = Attention.splitHeads(Scalars.mul(call("q_proj", ps, training, h), scaling), numHeads, headDim);
        NDList kv = Attention.appendPast(
                Attention.splitHeads(call("k_proj", ps, training, h), numHeads, headDim),
                Attention.splitHeads(call("v_proj", ps, training, h), numHeads, headDim),
                pastKey == null ? null : new NDList(pastKey, pastValue),
                present);
        NDArray k = kv.get(0); // (B, H, S, hd)
        NDArray v = kv.get(1);

        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // (B, H, T, S)
        scores = Attention.addMask(scores, mask);
        NDArray probs = Dropout.apply(scores.softmax(-1), dropout, training);

        return call("out_proj", ps, training, Attention.mergeHeads(probs.matMul(v))); // (B, T, D)
    }

    /** {@inheritDoc} Inputs: hidden states, the additive mask, optionally the past key and value. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray pastKey = inputs.size() > 3 ? inputs.get(2) : null; // both or neither
        NDArray pastValue = optionalInput(inputs, 3);
        return new NDList(forward(ps, inputs.get(0), inputs.get(1), pastKey, pastValue, training));
    }
}
