package ai.peft4j.models.t5;

/**
 * transformers' {@code T5LayerCrossAttention}: {@code EncDecAttention} (no relative-position bias of its own) and
 * {@code layer_norm}, giving {@code x + dropout(EncDecAttention(layer_norm(x), encoder_output))}.
 */
public class T5LayerCrossAttention extends T5LayerSelfAttention {

    public T5LayerCrossAttention(T5Config c) {
        super("EncDecAttention", c, new T5Attention(c, true, false));
    }
}
