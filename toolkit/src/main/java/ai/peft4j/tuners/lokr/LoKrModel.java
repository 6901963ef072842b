package ai.peft4j.tuners.lokr;

import ai.djl.nn.Block;
import ai.peft4j.tuners.lycoris.LycorisLayer.Settings;
import ai.peft4j.tuners.lycoris.LycorisLayerFactory;
import ai.peft4j.tuners.lycoris.LycorisModel;

/**
 * PEFT's {@code LoKrModel}: wraps each targeted linear layer in a {@link LoKrLinear}, with the rank and alpha of
 * {@code rank_pattern}/{@code alpha_pattern} for its path.
 *
 * <pre>{@code
 * PeftModel peft = PeftModel.getPeftModel(opt, LoKrConfig.builder().targetModules("q_proj", "v_proj").build());
 * }</pre>
 */
public class LoKrModel extends LycorisModel<LoKrConfig> {

    /** The factory that puts LoKr on linear layers. */
    public static final LycorisLayerFactory<LoKrConfig, LoKrLinear> LINEAR = new LycorisLayerFactory<>(
            LoKrLinear.class,
            LoKrLinear::new,
            (layer, path, adapter, c, rnd) -> layer.updateLayer(
                    adapter, Settings.of(c, path), c.initWeights(), c.decomposeBoth(), c.decomposeFactor(), rnd));

    public LoKrModel(Block model) {
        super(model, LoKrConfig.class, LINEAR);
    }
}
