package ai.peft4j.tuners.lycoris;

import ai.djl.nn.Block;
import ai.peft4j.tuners.BaseLayerKind;
import ai.peft4j.tuners.WrappingLayerFactory;
import java.util.function.Function;

/**
 * Puts a LyCORIS adapter on a linear layer (peft4j's {@code Linear} or DJL's {@code Linear}), as PEFT 0.10's
 * {@code LycorisTuner._create_new_module} does for {@code nn.Linear}; a second adapter on the same module goes into
 * the existing layer. PEFT 0.10 wraps no other layer kinds here but Conv2d (which peft4j models do not have), so
 * transformers' {@code Conv1D} is refused, as in PEFT.
 *
 * <pre>{@code
 * LayerFactory<LoHaConfig> f = new LycorisLayerFactory<>(LoHaLinear.class, LoHaLinear::new,
 *     (layer, path, adapter, config, rnd) -> layer.updateLayer(adapter, Settings.of(config, path), ...));
 * }</pre>
 *
 * @param <C> the method's config
 * @param <L> the method's layer
 */
public final class LycorisLayerFactory<C extends LycorisConfig, L extends LycorisLayer>
        extends WrappingLayerFactory<C, L> {

    /**
     * @param layerType the method's layer class (a target that already is one gets the adapter added)
     * @param wrap      makes a new layer around a base linear layer
     * @param update    adds an adapter with the config's settings for the module's path
     */
    public LycorisLayerFactory(Class<L> layerType, Function<Block, L> wrap, Update<C, L> update) {
        super(BaseLayerKind.LINEAR, layerType, (base, path, config) -> wrap.apply(base), update);
    }
}
