package ai.peft4j.tuners;

import ai.djl.nn.Block;
import ai.peft4j.nn.Conv1D;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.Linear;
import java.util.function.Predicate;

/**
 * The kinds of base layer PEFT's tuners wrap ({@code nn.Linear}, transformers' {@code Conv1D}, {@code nn.Embedding}),
 * with how each stores its weight: what every method's {@link WrappingLayerFactory} checks a target against.
 *
 * <pre>{@code
 * BaseLayerKind.CONV1D.matches(gpt2Attention.get("c_attn"));   // true
 * BaseLayerKind.CONV1D.fanInFanOut();                          // true: the weight is stored [in, out]
 * }</pre>
 */
public enum BaseLayerKind {
    /** PyTorch-style {@code nn.Linear}: peft4j's {@link Linear} and DJL's {@code Linear}. */
    LINEAR("Linear (peft4j or DJL)", false, b -> b instanceof Linear || b instanceof ai.djl.nn.core.Linear),
    /** transformers' {@link Conv1D} (GPT-2), whose weight is stored transposed. */
    CONV1D("Conv1D", true, b -> b instanceof Conv1D),
    /**
     * peft4j's {@code nn.Embedding} itself (a token table such as {@code embed_tokens}); subclasses with a forward of
     * their own, such as OPT's learned positions, are not wrapped.
     */
    EMBEDDING("Embedding", false, b -> b.getClass() == Embedding.class);

    private final String description;
    private final boolean fanInFanOut;
    private final Predicate<Block> test;

    BaseLayerKind(String description, boolean fanInFanOut, Predicate<Block> test) {
        this.description = description;
        this.fanInFanOut = fanInFanOut;
        this.test = test;
    }

    /** Whether {@code block} is a layer of this kind. */
    public boolean matches(Block block) {
        return test.test(block);
    }

    /** Whether layers of this kind store the weight {@code [in, out]} (PEFT's {@code fan_in_fan_out}). */
    public boolean fanInFanOut() {
        return fanInFanOut;
    }

    /** What this kind is, for messages ("Linear (peft4j or DJL)", "Conv1D"). */
    public String description() {
        return description;
    }
}
