package ai.peft4j.tuners.loha;

import ai.djl.nn.Block;
import ai.peft4j.tuners.lycoris.LycorisLayer.Settings;
import ai.peft4j.tuners.lycoris.LycorisLayerFactory;
import ai.peft4j.tuners.lycoris.LycorisModel;

/**
 * PEFT's {@code LoHaModel}: wraps each targeted linear layer in a {@link LoHaLinear}, with the rank and alpha of
 * {@code rank_pattern}/{@code alpha_pattern} for its path.
 *
 * <pre>{@code
 * PeftModel peft = PeftModel.getPeftModel(opt, LoHaConfig.builder().targetModules("q_proj", "v_proj").build());
 * }</pre>
 */
public class LoHaModel extends LycorisModel<LoHaConfig> {

    /** The factory that puts LoHa on linear layers. */
    public static final LycorisLayerFactory<LoHaConfig, LoHaLinear> LINEAR = new LycorisLayerFactory<>(
            LoHaLinear.class,
            LoHaLinear::new,
            (layer, path, adapter, c, rnd) -> layer.updateLayer(adapter, Settings.of(c, path), c.initWeights(), rnd));

    public LoHaModel(Block model) {
        super(model, LoHaConfig.class, LINEAR);
    }
}
