package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.models.CausalMask;
import ai.peft4j.models.LayerStack;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.ModuleList;
import ai.peft4j.nn.RmsNorm;
import java.util.List;

/**
 * transformers' {@code T5Stack}, the encoder or the decoder: {@code embed_tokens} (the model's {@code shared}
 * embedding under a second name), the blocks {@code block}, and {@code final_layer_norm}. The first block's
 * self-attention computes the relative-position bias (bidirectional in the encoder, causal in the decoder); the
 * attention mask is added to it once and every block uses the sum.
 */
public class T5Stack extends ModuleBlock {

    private final boolean isDecoder;
    private final float dropout;
    private final ModuleList<T5Block> blocks;

    /** @param shared the embedding weight the stack reads (tied to the model's {@code shared.weight}) */
    public T5Stack(T5Config c, Embedding shared, boolean isDecoder) {
        this.isDecoder = isDecoder;
        dropout = (float) c.dropoutRate();
        addModule("embed_tokens", new Embedding(shared.weight()));
        int n = isDecoder ? c.numDecoderLayers() : c.numLayers();
        blocks = addModule(
                "block",
                ModuleList.of(n, i -> new T5Block(c, isDecoder, i == 0))); // only block 0 has relative_attention_bias
        addModule("final_layer_norm", new RmsNorm(c.dModel(), (float) c.layerNormEpsilon()));
    }

    public boolean isDecoder() {
        return isDecoder;
    }

    /** The blocks, {@code block}. */
    public ModuleList<T5Block> block() {
        return blocks;
    }

    /**
     * The stack's last hidden states {@code (B, T, D)}.
     *
     * @param inputIds {@code (B, T)} token ids, or null when {@code inputsEmbeds} is given
     * @param inputsEmbeds {@code (B, T, D)} embeddings (prompt learning), or null
     * @param attentionMask 1 for tokens, 0 for padding, covering past and new positions; null for all ones
     * @param encoderHidden the encoder output {@code (B, S, D)} (decoder only), else null
     * @param encoderMask the encoder's attention mask {@code (B, S)} (decoder only), null for all ones
     * @param past per block the cached keys and values (decoder only), or null
     * @param presents receives per block its keys and values (self, then cross in the decoder), or null
     */
    public NDArray forward(
            ParameterStore ps,
            NDArray inputIds,
            NDArray inputsEmbeds,
            NDArray attentionMask,
            NDArray encoderHidden,
            NDArray encoderMask,
            List<NDList> past,
            List<NDList> presents,
            boolean training) {
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            NDArray embeds = inputsEmbeds != null ? inputsEmbeds : call("embed_tokens", ps, training, inputIds);
            long b = embeds.getShape().get(0);
            int t = Math.toIntExact(embeds.getShape().get(1));
            int pastLength = past == null
                    ? 0
                    : Math.toIntExact(past.get(0).get(0).getShape().get(2));
            int s = pastLength + t;
            NDArray mask = attentionMask != null
                    ? attentionMask
                    : embeds.getManager().ones(new ai.djl.ndarray.types.Shape(b, s));
            if (mask.getShape().get(1) != s) {
                throw new IllegalArgumentException("the attention mask covers "
                        + mask.getShape().get(1) + " positions; past (" + pastLength + ") + new (" + t + ") is " + s);
            }
            DataType dtype = embeds.getDataType();
            NDArray additive = isDecoder ? CausalMask.additive(mask, t, dtype) : padding(mask, dtype);
            NDArray bias = blocks.get(0)
                    .selfAttentionLayer()
                    .attention()
                    .computeBias(ps, embeds.getManager(), pastLength, t, s, training)
                    .add(additive);
            NDArray crossBias = null;
            if (isDecoder) {
                if (encoderHidden == null) {
                    throw new IllegalArgumentException("the decoder needs the encoder's hidden states");
                }
                crossBias = encoderMask != null
                        ? padding(encoderMask, dtype)
                        : encoderHidden
                                .getManager()
                                .zeros(
                                        new ai.djl.ndarray.types.Shape(
                                                b,
                                                1,
                                                1,
                                                encoderHidden.getShape().get(1)),
                                        dtype);
            }
            NDArray cross = crossBias;
            NDArray h = Dropout.apply(embeds, dropout, training);
            h = LayerStack.run(h, blocks.size(), past, presents, (i, hidden, layerPast, present) -> blocks.get(i)
                    .forward(ps, hidden, bias, encoderHidden, cross, layerPast, present, training));
            scope.keepAll(presents);
            h = call("final_layer_norm", ps, training, h);
            return scope.keep(Dropout.apply(h, dropout, training));
        }
    }

    /** transformers' extended padding mask {@code (B, 1, 1, S)}: 0 for tokens, the float minimum for padding. */
    static NDArray padding(NDArray mask, DataType dtype) {
        long b = mask.getShape().get(0);
        long s = mask.getShape().get(1);
        return mask.toType(DataType.FLOAT32, false)
                .mul(-1f)
                .add(1f)
                .mul(-Float.MAX_VALUE)
                .reshape(b, 1, 1, s)
                .toType(dtype, false);
    }

    /** {@inheritDoc} Inputs: input ids and, optionally, the attention mask (encoder use). */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = optionalInput(inputs, 1);
        return new NDList(forward(ps, inputs.get(0), null, mask, null, null, null, null, training));
    }
}
