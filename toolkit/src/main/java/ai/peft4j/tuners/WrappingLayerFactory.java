package ai.peft4j.tuners;

import ai.djl.nn.Block;
import java.util.Random;

/**
 * The one shape every method's {@link LayerFactory} has: a base layer of one {@link BaseLayerKind} gets wrapped in
 * the method's tuner layer, and a target that already is such a layer (from an earlier adapter) gets the new adapter
 * added, as PEFT's {@code _create_new_module} and {@code update_layer} do. A method gives the layer class, how to
 * wrap and how to add an adapter with its config's settings for the module's path.
 *
 * <pre>{@code
 * LayerFactory<LoHaConfig> f = new WrappingLayerFactory<>(BaseLayerKind.LINEAR, LoHaLinear.class,
 *     (base, path, config) -> new LoHaLinear(base),
 *     (layer, path, adapter, config, rnd) -> layer.updateLayer(adapter, config.rankFor(path), ...));
 * }</pre>
 *
 * @param <C> the method's config
 * @param <L> the method's tuner layer
 */
public class WrappingLayerFactory<C, L extends TunerLayer> implements LayerFactory<C> {

    /** Makes a new tuner layer around {@code base}, the module at {@code path}. */
    @FunctionalInterface
    public interface Wrap<C, L> {
        L wrap(Block base, String path, C config);
    }

    /** Adds one adapter to a layer, with the config's settings for the module's path. */
    @FunctionalInterface
    public interface Update<C, L> {
        void add(L layer, String path, String adapter, C config, Random rnd);
    }

    private final BaseLayerKind kind;
    private final Class<L> layerType;
    private final Wrap<C, L> wrap;
    private final Update<C, L> update;

    /**
     * @param kind      the base layers this factory wraps
     * @param layerType the method's layer class (a target that already is one gets the adapter added)
     * @param wrap      makes a new layer around a base layer of {@code kind}
     * @param update    adds an adapter to a new or existing layer
     */
    public WrappingLayerFactory(BaseLayerKind kind, Class<L> layerType, Wrap<C, L> wrap, Update<C, L> update) {
        this.kind = kind;
        this.layerType = layerType;
        this.wrap = wrap;
        this.update = update;
    }

    /** The base layers this factory wraps. */
    public BaseLayerKind kind() {
        return kind;
    }

    /** {@inheritDoc} */
    @Override
    public boolean accepts(Block target, C config) {
        return kind.matches(
                layerType.isInstance(target) ? layerType.cast(target).baseLayer() : target);
    }

    /** {@inheritDoc} */
    @Override
    public TunerLayer inject(String path, Block target, String adapter, C config, Random rnd) {
        L layer = layerType.isInstance(target) ? layerType.cast(target) : wrap.wrap(target, path, config);
        update.add(layer, path, adapter, config, rnd);
        return layer;
    }

    /** {@inheritDoc} */
    @Override
    public String description() {
        return kind.description();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + description() + "}";
    }
}
