package ai.peft4j.models.bloom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.Attention;
import ai.peft4j.nn.DirectCallModule;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.Scalars;

/**
 * Self-attention with one fused {@code query_key_value} projection, ALiBi biases instead of positions, the output
 * projection {@code dense} and the residual sum. The fused output is laid out per head, as transformers' {@code
 * _reshape} reads it: for head h, features {@code [3 hd h, 3 hd h + hd)} are its query, the next {@code hd} its key,
 * the next {@code hd} its value.
 */
public class BloomAttention extends DirectCallModule {

    private final int numHeads;
    private final int headDim;
    private final double invNormFactor;
    private final float hiddenDropout;

    public BloomAttention(BloomConfig c) {
        super("ALiBi biases");
        int d = c.hiddenSize();
        numHeads = c.nHead();
        headDim = c.headDim();
        invNormFactor = 1.0 / Math.sqrt(headDim);
        hiddenDropout = (float) c.hiddenDropout();
        addModule("query_key_value", new Linear(d, 3L * d, true));
        addModule("dense", new Linear(d, d, true));
        addModule("attention_dropout", new Dropout(c.attentionDropout()));
    }

    /**
     * {@code residual + dropout(dense(attention))}, {@code (B, T, D)}.
     *
     * @param h the layer-normed hidden states {@code (B, T, D)}
     * @param residual what the output is added to {@code (B, T, D)}
     * @param alibi the ALiBi biases {@code (B, H, 1, S)} (see {@link BloomModel#buildAlibiTensor})
     * @param mask the additive causal mask {@code (B, 1, T, S)}
     * @param past this layer's past {@code (key, value)}, {@code (B, H, P, hd)} each, or null
     * @param present receives the keys and values attended to, {@code (B, H, S, hd)} each, or null
     */
    public NDArray forward(
            ParameterStore ps,
            NDArray h,
            NDArray residual,
            NDArray alibi,
            NDArray mask,
            NDList past,
            NDList present,
            boolean training) {
        long b = h.getShape().get(0);
        long t = h.getShape().get(1);
        NDArray fused = call("query_key_value", ps, training, h).reshape(new Shape(b, t, numHeads, 3, headDim));
        NDArray q = fused.get(new NDIndex(":, :, :, 0, :")).transpose(0, 2, 1, 3); // (B, H, T, hd)
        NDList kv = Attention.appendPast(
                fused.get(new NDIndex(":, :, :, 1, :")).transpose(0, 2, 1, 3),
                fused.get(new NDIndex(":, :, :, 2, :")).transpose(0, 2, 1, 3),
                past,
                present);
        NDArray k = kv.get(0); // (B, H, S, hd)
        NDArray v = kv.get(1);
        // transformers: alibi.baddbmm(q, kᵀ, beta=1, alpha=1/sqrt(hd)), then the mask.
        NDArray scores =
                Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)), invNormFactor).add(alibi); // (B, H, T, S)
        scores = Scalars.maximum(scores.add(mask), -Float.MAX_VALUE);
        NDArray probs = call("attention_dropout", ps, training, scores.softmax(-1));
        NDArray out = call("dense", ps, training, Attention.mergeHeads(probs.matMul(v)));
        return residual.add(Dropout.apply(out, hiddenDropout, training));
    }
}
