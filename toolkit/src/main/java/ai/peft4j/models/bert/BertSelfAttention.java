package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.models.Attention;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.Scalars;

/**
 * Bidirectional multi-head self-attention with {@code query}, {@code key}, {@code value}; the output projection
 * lives in {@link BertSelfOutput}. Scores are divided by {@code sqrt(hd)} after the product, as transformers does.
 */
public class BertSelfAttention extends ModuleBlock {

    private final int numHeads;
    private final int headDim;
    private final float scale;

    public BertSelfAttention(BertFamilyConfig c) {
        int d = c.hiddenSize();
        numHeads = c.numAttentionHeads();
        headDim = d / numHeads;
        scale = (float) Math.sqrt(headDim);
        addModule("query", new Linear(d, d, true));
        addModule("key", new Linear(d, d, true));
        addModule("value", new Linear(d, d, true));
        addModule("dropout", new Dropout(c.attentionProbsDropoutProb()));
    }

    /**
     * The attention context {@code (B, T, D)}, heads concatenated.
     *
     * @param h hidden states {@code (B, T, D)}
     * @param mask additive mask {@code (B, 1, 1, S)} (0 where attending, the float minimum on padding), or null
     * @param pastKey past keys {@code (B, H, P, hd)} prepended to this step's (prefix tuning), or null; {@code S = P + T}
     * @param pastValue past values, alongside {@code pastKey}
     */
    public NDArray forward(
            ParameterStore ps, NDArray h, NDArray mask, NDArray pastKey, NDArray pastValue, boolean training) {
        NDArray q = Attention.splitHeads(call("query", ps, training, h), numHeads, headDim); // (B, H, T, hd)
        NDList kv = Attention.appendPast(
                Attention.splitHeads(call("key", ps, training, h), numHeads, headDim),
                Attention.splitHeads(call("value", ps, training, h), numHeads, headDim),
                pastKey == null ? null : new NDList(pastKey, pastValue),
                null);
        NDArray k = kv.get(0); // (B, H, S, hd)
        NDArray v = kv.get(1);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(Scalars.like(q, scale)); // (B, H, T, S)
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray probs = call("dropout", ps, training, scores.softmax(-1));
        return Attention.mergeHeads(probs.matMul(v));
    }

    /** {@inheritDoc} Inputs: hidden states, optionally the additive mask, then optionally past key and value. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray pastKey = inputs.size() > 3 ? inputs.get(2) : null; // both or neither
        NDArray pastValue = optionalInput(inputs, 3);
        return new NDList(forward(ps, inputs.get(0), optionalInput(inputs, 1), pastKey, pastValue, training));
    }
}
