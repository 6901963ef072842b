package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.Attention;
import ai.peft4j.nn.DirectCallModule;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.Scalars;

/**
 * Multi-head attention with {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj}, rotary
 * positions, and grouped-query attention when there are fewer key/value heads than query heads. The family's config
 * says which projections have biases (Qwen2: q, k, v) and the head size (Gemma's is its own field).
 */
public class LlamaAttention extends DirectCallModule {

    private final int numHeads;
    private final int numKeyValueHeads;
    private final int headDim;
    private final float dropout;

    public LlamaAttention(LlamaFamilyConfig c) {
        super("rotary angles");
        numHeads = c.numAttentionHeads();
        numKeyValueHeads = c.numKeyValueHeads();
        headDim = c.headDim();
        dropout = (float) c.attentionDropout();
        int d = c.hiddenSize();
        boolean bias = c.qkvBias();
        addModule("q_proj", new Linear(d, (long) numHeads * headDim, bias));
        addModule("k_proj", new Linear(d, (long) numKeyValueHeads * headDim, bias));
        addModule("v_proj", new Linear(d, (long) numKeyValueHeads * headDim, bias));
        addModule("o_proj", new Linear((long) numHeads * headDim, d, c.outputBias()));
    }

    /**
     * @param h hidden states {@code (B, T, D)}
     * @param mask additive mask {@code (B, 1, T, S)}
     * @param cosSin rotary angles for the T new positions
     * @param past this layer's cached {@code (key, value)}, {@code (B, KV, P, hd)} each, or null
     * @param present receives the keys and values attended to (before grouping), or null
     */
    public NDArray forward(
            ParameterStore ps, NDArray h, NDArray mask, NDList cosSin, NDList past, NDList present, boolean training) {
        NDArray q = LlamaRotaryEmbedding.apply(
                Attention.splitHeads(call("q_proj", ps, training, h), numHeads, headDim), cosSin);
        NDList kv = Attention.appendPast(
                LlamaRotaryEmbedding.apply(
                        Attention.splitHeads(call("k_proj", ps, training, h), numKeyValueHeads, headDim), cosSin),
                Attention.splitHeads(call("v_proj", ps, training, h), numKeyValueHeads, headDim),
                past,
                present);
        NDArray k = repeatKv(kv.get(0));
        NDArray v = repeatKv(kv.get(1));

        NDArray scores = Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)), 1.0 / Math.sqrt(headDim)); // (B, H, T, S)
        scores = Attention.addMask(scores, mask);
        NDArray probs = Dropout.apply(scores.softmax(-1), dropout, training);
        return call("o_proj", ps, training, Attention.mergeHeads(probs.matMul(v)));
    }

    /** transformers' {@code repeat_kv}: each key/value head serves {@code numHeads / numKeyValueHeads} query heads. */
    private NDArray repeatKv(NDArray x) {
        int rep = numHeads / numKeyValueHeads;
        if (rep == 1) {
            return x;
        }
        Shape s = x.getShape(); // (B, KV, S, hd)
        return x.expandDims(2).repeat(2, rep).reshape(s.get(0), (long) numHeads, s.get(2), s.get(3));
    }
}
