package ai.peft4j.models.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.Attention;
import ai.peft4j.nn.Conv1D;
import ai.peft4j.nn.DirectCallModule;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Scalars;

/** Self-attention with one {@code c_attn} for queries, keys and values, and {@code c_proj}. */
public class Gpt2Attention extends DirectCallModule {

    private final int numHeads;
    private final int headDim;
    private final float attnDropout;
    private final float residDropout;

    public Gpt2Attention(Gpt2Config c) {
        super("a mask");
        numHeads = c.nHead();
        headDim = c.nEmbd() / c.nHead();
        attnDropout = (float) c.attnPdrop();
        residDropout = (float) c.residPdrop();
        addModule("c_attn", new Conv1D(3L * c.nEmbd(), c.nEmbd()));
        addModule("c_proj", new Conv1D(c.nEmbd(), c.nEmbd()));
    }

    /**
     * @param h hidden states {@code (B, T, D)}
     * @param mask additive mask {@code (B, 1, T, S)}, {@link ai.peft4j.models.CausalMask#causalPlusPadding}: its
     *     {@code -inf} on future padding keys is kept, as transformers keeps it
     * @param past cached {@code (key, value)}, {@code (B, H, P, hd)} each, or null
     * @param present receives the keys and values attended to, or null
     */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, NDList present, boolean training) {
        long d = (long) numHeads * headDim;
        NDArray qkv = call("c_attn", ps, training, h); // (B, T, 3D)
        NDArray q = Attention.splitHeads(qkv.get(new NDIndex("..., :{}", d)), numHeads, headDim);
        NDList kv = Attention.appendPast(
                Attention.splitHeads(qkv.get(new NDIndex("..., {}:{}", d, 2 * d)), numHeads, headDim),
                Attention.splitHeads(qkv.get(new NDIndex("..., {}:", 2 * d)), numHeads, headDim),
                past,
                present);
        NDArray k = kv.get(0);
        NDArray v = kv.get(1);
        NDArray scores = Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)), 1.0 / Math.sqrt(headDim));
        scores = scores.add(mask); // no clamp: which keys a padding query sees depends on the -inf
        NDArray probs = Dropout.apply(scores.softmax(-1), attnDropout, training);
        NDArray out = Attention.mergeHeads(probs.matMul(v));
        return Dropout.apply(call("c_proj", ps, training, out), residDropout, training);
    }
}
