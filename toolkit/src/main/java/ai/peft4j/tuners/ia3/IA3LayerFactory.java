package ai.peft4j.tuners.ia3;

import ai.peft4j.tuners.BaseLayerKind;
import ai.peft4j.tuners.WrappingLayerFactory;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts IA3 on one kind of base layer, as PEFT's {@code IA3Model._create_new_module} does: an
 * {@link IA3Linear} around a linear layer, feed-forward when {@link IA3Config#isFeedforward} says
 * so for its path, with {@code fan_in_fan_out} set by the kind of layer ({@code [out, in]} weights
 * for {@code nn.Linear}, {@code [in, out]} for {@code Conv1D}). A second adapter on the same module
 * is added to its existing {@link IA3Linear}.
 *
 * <pre>{@code
 * IA3LayerFactory.ALL;          // what IA3Model tries, in order
 * IA3LayerFactory.CONV1D.accepts(gpt2.get("transformer.h.0.mlp.c_proj"), config);   // true
 * }</pre>
 */
public final class IA3LayerFactory extends WrappingLayerFactory<IA3Config, IA3Linear> {

    private static final Logger LOG = LoggerFactory.getLogger(IA3LayerFactory.class);

    /** PyTorch-style {@code nn.Linear}: peft4j's {@link ai.peft4j.nn.Linear} and DJL's {@code Linear}. */
    public static final IA3LayerFactory LINEAR = new IA3LayerFactory(BaseLayerKind.LINEAR);

    /** transformers' {@link ai.peft4j.nn.Conv1D} (GPT-2), whose weight is stored transposed. */
    public static final IA3LayerFactory CONV1D = new IA3LayerFactory(BaseLayerKind.CONV1D);

    /** The factories {@link IA3Model} uses, in order. */
    public static final List<IA3LayerFactory> ALL = List.of(LINEAR, CONV1D);

    private IA3LayerFactory(BaseLayerKind kind) {
        super(
                kind,
                IA3Linear.class,
                (base, path, config) -> new IA3Linear(base, kind.fanInFanOut(), config.isFeedforward(path)),
                IA3LayerFactory::add);
    }

    /** Adds an adapter; whether a new layer is feed-forward came from {@code feedforward_modules} for its path. */
    private static void add(IA3Linear layer, String path, String adapter, IA3Config config, Random rnd) {
        if (layer.isFeedforward() != config.isFeedforward(path)) {
            // PEFT keeps the layer's kind for every adapter added later; say so rather than surprise.
            LOG.warn(
                    "{} is {}a feed-forward IA3 layer already; adapter '{}' is added as such, whatever its "
                            + "feedforward_modules say",
                    path,
                    layer.isFeedforward() ? "" : "not ",
                    adapter);
        }
        layer.updateLayer(adapter, config.initIa3Weights(), rnd);
    }
}
