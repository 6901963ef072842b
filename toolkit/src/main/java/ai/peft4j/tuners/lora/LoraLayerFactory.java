package ai.peft4j.tuners.lora;

import ai.peft4j.nn.Embedding;
import ai.peft4j.tuners.BaseLayerKind;
import ai.peft4j.tuners.TunerLayer;
import ai.peft4j.tuners.WrappingLayerFactory;
import java.util.List;

/**
 * Puts LoRA on one kind of base layer, as PEFT's {@code lora.layer.dispatch_default} does: a
 * {@link LoraEmbedding} around an {@code nn.Embedding}, a {@link LoraLinear} around a linear layer,
 * with {@code fan_in_fan_out} set by the kind of layer ({@code [out, in]} weights for {@code
 * nn.Linear}, {@code [in, out]} for {@code Conv1D}). A second adapter on the same module is added to
 * its existing LoRA layer. The rank and alpha come from {@code rank_pattern} / {@code alpha_pattern} for the path.
 *
 * <pre>{@code
 * LoraLayerFactory.ALL;          // what LoraModel tries, in order
 * LoraLayerFactory.CONV1D.accepts(gpt2.get("transformer.h.0.attn.c_attn"), config);   // true
 * }</pre>
 *
 * @param <L> the LoRA layer it makes
 */
public final class LoraLayerFactory<L extends TunerLayer> extends WrappingLayerFactory<LoraConfig, L> {

    /** PyTorch-style {@code nn.Linear}: peft4j's {@link ai.peft4j.nn.Linear} and DJL's {@code Linear}. */
    public static final LoraLayerFactory<LoraLinear> LINEAR = linear(BaseLayerKind.LINEAR);

    /** transformers' {@link ai.peft4j.nn.Conv1D} (GPT-2), whose weight is stored transposed. */
    public static final LoraLayerFactory<LoraLinear> CONV1D = linear(BaseLayerKind.CONV1D);

    /** peft4j's {@code nn.Embedding} itself; subclasses such as OPT's learned positions are not wrapped. */
    public static final LoraLayerFactory<LoraEmbedding> EMBEDDING = new LoraLayerFactory<>(
            BaseLayerKind.EMBEDDING,
            LoraEmbedding.class,
            (base, path, config) -> new LoraEmbedding((Embedding) base),
            (layer, path, adapter, config, rnd) ->
                    layer.updateLayer(adapter, LoraLayer.Settings.of(config, path), rnd));

    /** The factories {@link LoraModel} uses, in order (PEFT's: Embedding, then Linear, then Conv1D). */
    public static final List<LoraLayerFactory<?>> ALL = List.of(EMBEDDING, LINEAR, CONV1D);

    private LoraLayerFactory(BaseLayerKind kind, Class<L> type, Wrap<LoraConfig, L> wrap, Update<LoraConfig, L> add) {
        super(kind, type, wrap, add);
    }

    private static LoraLayerFactory<LoraLinear> linear(BaseLayerKind kind) {
        return new LoraLayerFactory<>(
                kind,
                LoraLinear.class,
                (base, path, config) -> new LoraLinear(base, kind.fanInFanOut()),
                (layer, path, adapter, config, rnd) ->
                        layer.updateLayer(adapter, LoraLayer.Settings.of(config, path), rnd));
    }
}
