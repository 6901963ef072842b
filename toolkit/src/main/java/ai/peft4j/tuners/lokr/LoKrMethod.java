package ai.peft4j.tuners.lokr;

import ai.djl.nn.Block;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.AdapterHost;
import ai.peft4j.tuners.TunerMethod;

/** LoKr's entry in the {@link ai.peft4j.tuners.TunerRegistry}: adapters live in a {@link LoKrModel}. */
public final class LoKrMethod implements TunerMethod {

    @Override
    public PeftType peftType() {
        return PeftType.LOKR;
    }

    @Override
    public PeftConfig readConfig(ConfigFields fields) {
        return LoKrConfig.read(fields);
    }

    @Override
    public AdapterHost newHost(Block model) {
        return new LoKrModel(model);
    }
}
