package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.DirectCallModule;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.RmsNorm;

/**
 * transformers' {@code T5LayerSelfAttention}: {@code SelfAttention} and {@code layer_norm}, giving {@code x +
 * dropout(SelfAttention(layer_norm(x)))}.
 */
public class T5LayerSelfAttention extends DirectCallModule {

    private final String attentionName;
    private final float dropout;

    /** The self-attention layer ({@code SelfAttention}). */
    public T5LayerSelfAttention(T5Config c, boolean isDecoder, boolean hasRelativeAttentionBias) {
        this("SelfAttention", c, new T5Attention(c, isDecoder, hasRelativeAttentionBias));
    }

    /** For {@link T5LayerCrossAttention}: the attention under another name. */
    protected T5LayerSelfAttention(String attentionName, T5Config c, T5Attention attention) {
        super("the position bias");
        this.attentionName = attentionName;
        dropout = (float) c.dropoutRate();
        addModule(attentionName, attention);
        addModule("layer_norm", new RmsNorm(c.dModel(), (float) c.layerNormEpsilon()));
    }

    /** The attention module ({@code SelfAttention} or {@code EncDecAttention}). */
    public T5Attention attention() {
        Block a = module(attentionName);
        if (!(a instanceof T5Attention)) {
            throw new IllegalStateException(
                    attentionName + " was replaced by " + a.getClass().getSimpleName()
                            + ", which cannot take T5's position bias; wrap its q, k, v or o layers instead");
        }
        return (T5Attention) a;
    }

    /** {@code (B, T, D) -> (B, T, D)}; see {@link T5Attention.Context} for what the attention attends to. */
    public NDArray forward(ParameterStore ps, NDArray h, T5Attention.Context context, boolean training) {
        NDArray normed = call("layer_norm", ps, training, h);
        NDArray y = attention().forward(ps, normed, context, training);
        return h.add(Dropout.apply(y, dropout, training));
    }
}
