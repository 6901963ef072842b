package ai.peft4j.tuners.lycoris;

import ai.djl.nn.Block;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.tuners.BaseTuner;
import ai.peft4j.tuners.Injector;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * PEFT 0.10's {@code LycorisTuner}: wraps the targeted linear layers through an {@link Injector} with one
 * {@link LycorisLayerFactory}. LyCORIS methods have no default targets, so a config without {@code target_modules}
 * is refused with PEFT's message before the model is touched.
 *
 * <pre>{@code
 * class LoHaModel extends LycorisModel<LoHaConfig> { LoHaModel(Block m) { super(m, LoHaLayerFactory.LINEAR); } }
 * }</pre>
 *
 * @param <C> the method's config
 */
public abstract class LycorisModel<C extends LycorisConfig> extends BaseTuner {

    private final Injector<C> injector;
    private final Class<C> configType;

    protected LycorisModel(Block model, Class<C> configType, LycorisLayerFactory<C, ?> factory) {
        super(model);
        this.configType = configType;
        this.injector = new Injector<>(List.of(factory), Map.of());
    }

    /** {@inheritDoc} */
    @Override
    protected PeftConfig injectAdapter(String name, PeftConfig peftConfig, Random rnd) {
        if (!configType.isInstance(peftConfig)) {
            throw new IllegalArgumentException(
                    "a " + getClass().getSimpleName() + " takes a " + configType.getSimpleName() + ", got "
                            + peftConfig.getClass().getSimpleName());
        }
        C config = configType.cast(peftConfig);
        if (config.targetModules() == null) {
            throw new IllegalArgumentException("Please specify `target_modules` in `peft_config`");
        }
        injector.plan(model(), config, savedWhole(config)).apply(name, config, rnd);
        return config;
    }

    /** {@inheritDoc} */
    @Override
    protected List<String> modulesToSave(PeftConfig config) {
        List<String> m = configType.cast(config).modulesToSave();
        return m == null ? List.of() : m;
    }
}
