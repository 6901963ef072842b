package ai.peft4j.models.bloom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.CausalMask;
import ai.peft4j.models.DecoderModel;
import ai.peft4j.models.LayerStack;
import ai.peft4j.models.LmInputs;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.LayerNorm;
import ai.peft4j.nn.ModuleList;
import java.util.List;

/**
 * transformers' {@code BloomModel}: {@code word_embeddings} and their {@code word_embeddings_layernorm}, the
 * blocks {@code h}, and the final {@code ln_f}. There are no position embeddings: every attention score gets the
 * ALiBi bias {@code slope(head) * position(key)}, where a key's position counts the attended tokens before it.
 */
public class BloomModel extends DecoderModel {

    private final BloomConfig config;
    private final ModuleList<BloomBlock> blocks;

    public BloomModel(BloomConfig c) {
        this.config = c;
        int d = c.hiddenSize();
        float eps = (float) c.layerNormEpsilon();
        addTokenEmbedding("word_embeddings", new Embedding(c.vocabSize(), d, null));
        addModule("word_embeddings_layernorm", new LayerNorm(d, eps, true));
        blocks = addModule("h", ModuleList.of(c.nLayer(), i -> new BloomBlock(c)));
        addModule("ln_f", new LayerNorm(d, eps, true));
    }

    /** The token embedding (its weight is shared with the LM head). */
    public Embedding wordEmbeddings() {
        return inputEmbeddings();
    }

    /** The blocks, {@code h}. */
    public ModuleList<BloomBlock> h() {
        return blocks;
    }

    /**
     * {@inheritDoc} With past keys and values of length {@code P} the attention mask, when given, covers {@code P + T}
     * positions, and the ALiBi positions are counted over all of them.
     */
    @Override
    protected NDArray hiddenStates(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        NDArray embeds = embed(ps, in, training);
        long t = embeds.getShape().get(1);
        NDArray h = call("word_embeddings_layernorm", ps, training, embeds);
        NDArray mask = attentionMask(in, embeds);
        NDArray alibi = buildAlibiTensor(mask, config.nHead(), h.getDataType());
        NDArray additiveMask = CausalMask.additive(mask, t, h.getDataType());
        h = LayerStack.run(
                h, blocks.size(), in.pastKeyValues(), presents, (i, hidden, layerPast, present) -> blocks.get(i)
                        .forward(ps, hidden, alibi, additiveMask, layerPast, present, training));
        return call("ln_f", ps, training, h);
    }

    /**
     * transformers' ALiBi slopes, one per head: with {@code n} the largest power of two not above {@code numHeads},
     * {@code base = 2^(-2^-(log2(n) - 3))} and the slopes {@code base^1 .. base^n}; the remaining heads (when {@code
     * numHeads} is not a power of two) take {@code extra^1, extra^3, extra^5, ...} with {@code extra} the base for
     * {@code 2n} heads.
     */
    public static float[] alibiSlopes(int numHeads) {
        try (NDManager m = NDManager.newBaseManager()) {
            return slopes(m, numHeads).toFloatArray();
        }
    }

    /**
     * {@link #alibiSlopes} as a float32 array on {@code m}. The powers are taken by libtorch in float32, as {@code
     * torch.pow(base, powers)} takes them in transformers: a correctly rounded power can differ in the last bit.
     */
    static NDArray slopes(NDManager m, int numHeads) {
        int closest = Integer.highestOneBit(numHeads);
        NDArray slopes = powers(m, base(closest), 1, closest, 1);
        if (closest != numHeads) {
            int remaining = Math.min(closest, numHeads - closest);
            slopes = slopes.concat(powers(m, base(2 * closest), 1, 2 * remaining, 2));
        }
        return slopes;
    }

    /** {@code 2^(-2^-(log2(n) - 3))} for a power of two {@code n}, computed in double and stored in float32. */
    private static float base(int n) {
        return (float) Math.pow(2, -Math.pow(2, -(Integer.numberOfTrailingZeros(n) - 3)));
    }

    /** {@code base^k} for {@code k = from, from + step, ...} below {@code from + count}, in float32. */
    private static NDArray powers(NDManager m, float base, int from, int count, int step) {
        NDArray exponents = m.arange(from, from + count, step, DataType.INT32).toType(DataType.FLOAT32, false);
        return m.create(base).pow(exponents);
    }

    /**
     * transformers' {@code build_alibi_tensor}, shaped for broadcasting over queries: {@code (B, H, 1, S)} with
     * {@code slope(h) * ((cumsum(mask) - 1) * mask)}; padding keys get position 0 (the causal mask hides them).
     *
     * @param attentionMask {@code (B, S)}, 1 for tokens and 0 for padding
     */
    public static NDArray buildAlibiTensor(NDArray attentionMask, int numHeads, DataType dtype) {
        NDManager m = attentionMask.getManager();
        long b = attentionMask.getShape().get(0);
        long s = attentionMask.getShape().get(1);
        NDArray mask = attentionMask.toType(DataType.INT64, false);
        NDArray positions =
                mask.cumSum(1).sub(1).mul(mask).toType(DataType.FLOAT32, false).reshape(b, 1, 1, s);
        NDArray slopes =
                slopes(m, numHeads).toDevice(attentionMask.getDevice(), false).reshape(1, numHeads, 1, 1);
        return slopes.mul(positions).toType(dtype, false);
    }
}
