package ai.peft4j.tuners.ia3;

import ai.djl.nn.Block;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.AdapterHost;
import ai.peft4j.tuners.TunerMethod;

/** IA3's entry in the {@link ai.peft4j.tuners.TunerRegistry}: adapters live in an {@link IA3Model}. */
public final class IA3Method implements TunerMethod {

    @Override
    public PeftType peftType() {
        return PeftType.IA3;
    }

    @Override
    public PeftConfig readConfig(ConfigFields fields) {
        return IA3Config.read(fields);
    }

    @Override
    public AdapterHost newHost(Block model) {
        return new IA3Model(model);
    }
}
