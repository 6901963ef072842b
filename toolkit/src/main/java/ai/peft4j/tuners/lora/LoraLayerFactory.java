package ai.peft4j.tuners.lora;

import ai.djl.nn.Block;
import ai.peft4j.nn.Conv1D;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.Linear;
import ai.peft4j.tuners.LayerFactory;
import ai.peft4j.tuners.TunerLayer;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Puts LoRA on one kind of base layer, as PEFT's {@code lora.layer.dispatch_default} does: a
 * {@link LoraEmbedding} around an {@code nn.Embedding}, a {@link LoraLinear} around a linear layer,
 * with {@code fan_in_fan_out} set by the kind of layer ({@code [out, in]} weights for {@code
 * nn.Linear}, {@code [in, out]} for {@code Conv1D}). A second adapter on the same module is added to
 * its existing LoRA layer.
 *
 * <pre>{@code
 * LoraLayerFactory.ALL;          // what LoraModel tries, in order
 * LoraLayerFactory.CONV1D.accepts(gpt2.get("transformer.h.0.attn.c_attn"), config);   // true
 * }</pre>
 */
public final class LoraLayerFactory implements LayerFactory<LoraConfig> {

    /** PyTorch-style {@code nn.Linear}: peft4j's {@link Linear} and DJL's {@code Linear}. */
    public static final LoraLayerFactory LINEAR = new LoraLayerFactory(
            "Linear (peft4j or DJL)", false, b -> b instanceof Linear || b instanceof ai.djl.nn.core.Linear);

    /** transformers' {@link Conv1D} (GPT-2), whose weight is stored transposed. */
    public static final LoraLayerFactory CONV1D = new LoraLayerFactory("Conv1D", true, b -> b instanceof Conv1D);

    /**
     * peft4j's {@code nn.Embedding} itself (a token table such as {@code embed_tokens}); subclasses with
     * a forward of their own, such as OPT's learned positions, are not wrapped.
     */
    public static final LoraLayerFactory EMBEDDING =
            new LoraLayerFactory("Embedding", false, b -> b.getClass() == Embedding.class);

    /** The factories {@link LoraModel} uses, in order (PEFT's: Embedding, then Linear, then Conv1D). */
    public static final List<LoraLayerFactory> ALL = List.of(EMBEDDING, LINEAR, CONV1D);

    private final String description;
    private final boolean fanInFanOut;
    private final Predicate<Block> baseKind;

    private LoraLayerFactory(String description, boolean fanInFanOut, Predicate<Block> baseKind) {
        this.description = description;
        this.fanInFanOut = fanInFanOut;
        this.baseKind = baseKind;
    }

    /** Whether layers made here store the base weight {@code [in, out]}. */
    public boolean fanInFanOut() {
        return fanInFanOut;
    }

    /** {@inheritDoc} */
    @Override
    public boolean accepts(Block target, LoraConfig config) {
        Block base = target instanceof TunerLayer && (target instanceof LoraLinear || target instanceof LoraEmbedding)
                ? ((TunerLayer) target).baseLayer()
                : target;
        return baseKind.test(base);
    }

    /** {@inheritDoc} The rank and alpha come from {@code rank_pattern} / {@code alpha_pattern} for {@code path}. */
    @Override
    public TunerLayer inject(String path, Block target, String adapter, LoraConfig config, Random rnd) {
        if (this == EMBEDDING) {
            LoraEmbedding layer =
                    target instanceof LoraEmbedding ? (LoraEmbedding) target : new LoraEmbedding((Embedding) target);
            layer.updateLayer(
                    adapter,
                    config.rankFor(path),
                    config.alphaFor(path),
                    config.loraDropout(),
                    config.initLoraWeights(),
                    config.useRslora(),
                    config.useDora(),
                    rnd);
            return layer;
        }
        LoraLinear layer = target instanceof LoraLinear ? (LoraLinear) target : new LoraLinear(target, fanInFanOut);
        layer.updateLayer(
                adapter,
                config.rankFor(path),
                config.alphaFor(path),
                config.loraDropout(),
                config.initLoraWeights(),
                config.useRslora(),
                config.useDora(),
                rnd);
        return layer;
    }

    /** {@inheritDoc} */
    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return "LoraLayerFactory{" + description + "}";
    }
}
