package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.DirectCallModule;
import ai.peft4j.nn.ModuleList;

/**
 * transformers' {@code T5Block}: {@code layer.0} self-attention, then in the decoder {@code layer.1} cross-attention,
 * then the feed-forward layer ({@code layer.1} in the encoder, {@code layer.2} in the decoder).
 */
public class T5Block extends DirectCallModule {

    private final boolean isDecoder;
    private final ModuleList<Block> layer;

    public T5Block(T5Config c, boolean isDecoder, boolean hasRelativeAttentionBias) {
        super("the position bias");
        this.isDecoder = isDecoder;
        layer = addModule("layer", new ModuleList<>());
        layer.add(new T5LayerSelfAttention(c, isDecoder, hasRelativeAttentionBias));
        if (isDecoder) {
            layer.add(new T5LayerCrossAttention(c));
        }
        layer.add(new T5LayerFF(c));
    }

    /** {@code layer.0}. */
    public T5LayerSelfAttention selfAttentionLayer() {
        return (T5LayerSelfAttention) layer.get(0);
    }

    /**
     * {@code (B, T, D) -> (B, T, D)}.
     *
     * @param selfBias the self-attention bias plus mask, {@code (B or 1, H, T, S)}
     * @param encoderHidden the encoder output (decoder only), else null
     * @param crossBias the encoder's additive mask {@code (B, 1, 1, S_enc)} (decoder only)
     * @param past the cached {@code (self key, self value[, cross key, cross value])}, or null
     * @param present receives the same four (two in the encoder), or null
     */
    public NDArray forward(
            ParameterStore ps,
            NDArray h,
            NDArray selfBias,
            NDArray encoderHidden,
            NDArray crossBias,
            NDList past,
            NDList present,
            boolean training) {
        NDList selfPast = past == null ? null : new NDList(past.get(0), past.get(1));
        h = selfAttentionLayer().forward(ps, h, new T5Attention.Context(null, selfBias, selfPast, present), training);
        if (isDecoder) {
            NDList crossPast = past == null ? null : new NDList(past.get(2), past.get(3));
            T5LayerSelfAttention cross = (T5LayerSelfAttention) layer.get(1);
            h = cross.forward(ps, h, new T5Attention.Context(encoderHidden, crossBias, crossPast, present), training);
        }
        return ((T5LayerFF) layer.get(layer.size() - 1)).forward(ps, h, training);
    }
}
