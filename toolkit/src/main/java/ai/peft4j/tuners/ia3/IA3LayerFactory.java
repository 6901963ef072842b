package ai.peft4j.tuners.ia3;

import ai.djl.nn.Block;
import ai.peft4j.nn.Conv1D;
import ai.peft4j.nn.Linear;
import ai.peft4j.tuners.LayerFactory;
import ai.peft4j.tuners.TunerLayer;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
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
public final class IA3LayerFactory implements LayerFactory<IA3Config> {

    private static final Logger LOG = LoggerFactory.getLogger(IA3LayerFactory.class);

    /** PyTorch-style {@code nn.Linear}: peft4j's {@link Linear} and DJL's {@code Linear}. */
    public static final IA3LayerFactory LINEAR = new IA3LayerFactory(
            "Linear (peft4j or DJL)", false, b -> b instanceof Linear || b instanceof ai.djl.nn.core.Linear);

    /** transformers' {@link Conv1D} (GPT-2), whose weight is stored transposed. */
    public static final IA3LayerFactory CONV1D = new IA3LayerFactory("Conv1D", true, b -> b instanceof Conv1D);

    /** The factories {@link IA3Model} uses, in order. */
    public static final List<IA3LayerFactory> ALL = List.of(LINEAR, CONV1D);

    private final String description;
    private final boolean fanInFanOut;
    private final Predicate<Block> baseKind;

    private IA3LayerFactory(String description, boolean fanInFanOut, Predicate<Block> baseKind) {
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
    public boolean accepts(Block target, IA3Config config) {
        return baseKind.test(target instanceof IA3Linear ? ((IA3Linear) target).baseLayer() : target);
    }

    /** {@inheritDoc} Whether the layer is feed-forward comes from {@code feedforward_modules} for {@code path}. */
    @Override
    public TunerLayer inject(String path, Block target, String adapter, IA3Config config, Random rnd) {
        boolean feedforward = config.isFeedforward(path);
        IA3Linear layer;
        if (target instanceof IA3Linear existing) {
            layer = existing;
            if (existing.isFeedforward() != feedforward) {
                // PEFT keeps the layer's kind for every adapter added later; say so rather than surprise.
                LOG.warn(
                        "{} is {}a feed-forward IA3 layer already; adapter '{}' is added as such, whatever its "
                                + "feedforward_modules say",
                        path,
                        existing.isFeedforward() ? "" : "not ",
                        adapter);
            }
        } else {
            layer = new IA3Linear(target, fanInFanOut, feedforward);
        }
        layer.updateLayer(adapter, config.initIa3Weights(), rnd);
        return layer;
    }

    /** {@inheritDoc} */
    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return "IA3LayerFactory{" + description + "}";
    }
}
