package ai.peft4j.tuners.lycoris;

import ai.djl.nn.Block;
import ai.peft4j.nn.Linear;
import ai.peft4j.tuners.LayerFactory;
import ai.peft4j.tuners.TunerLayer;
import java.util.Random;
import java.util.function.Function;

/**
 * Puts a LyCORIS adapter on a linear layer (peft4j's {@link Linear} or DJL's {@code Linear}), as PEFT 0.10's
 * {@code LycorisTuner._create_new_module} does for {@code nn.Linear}; a second adapter on the same module goes into
 * the existing layer. PEFT 0.10 wraps no other layer kinds here but Conv2d (which peft4j models do not have), so
 * transformers' {@code Conv1D} is refused, as in PEFT.
 *
 * <pre>{@code
 * LayerFactory<LoHaConfig> f = new LycorisLayerFactory<>(LoHaLinear.class, LoHaLinear::new,
 *     (layer, path, adapter, config, rnd) -> layer.updateLayer(adapter, config.rankFor(path), ...));
 * }</pre>
 *
 * @param <C> the method's config
 * @param <L> the method's layer
 */
public final class LycorisLayerFactory<C extends LycorisConfig, L extends LycorisLayer> implements LayerFactory<C> {

    /** Adds one adapter to a layer. */
    @FunctionalInterface
    public interface Update<C, L> {
        void add(L layer, String path, String adapter, C config, Random rnd);
    }

    private final Class<L> layerType;
    private final Function<Block, L> wrap;
    private final Update<C, L> update;

    /**
     * @param layerType the method's layer class (a target that already is one gets the adapter added)
     * @param wrap      makes a new layer around a base linear layer
     * @param update    adds an adapter with the config's settings for the module's path
     */
    public LycorisLayerFactory(Class<L> layerType, Function<Block, L> wrap, Update<C, L> update) {
        this.layerType = layerType;
        this.wrap = wrap;
        this.update = update;
    }

    /** {@inheritDoc} */
    @Override
    public boolean accepts(Block target, C config) {
        Block base = layerType.isInstance(target) ? layerType.cast(target).baseLayer() : target;
        return base instanceof Linear || base instanceof ai.djl.nn.core.Linear;
    }

    /** {@inheritDoc} */
    @Override
    public TunerLayer inject(String path, Block target, String adapter, C config, Random rnd) {
        L layer = layerType.isInstance(target) ? layerType.cast(target) : wrap.apply(target);
        update.add(layer, path, adapter, config, rnd);
        return layer;
    }

    /** {@inheritDoc} */
    @Override
    public String description() {
        return "Linear (peft4j or DJL)";
    }
}
