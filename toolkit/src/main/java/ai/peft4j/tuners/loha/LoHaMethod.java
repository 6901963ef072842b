package ai.peft4j.tuners.loha;

import ai.djl.nn.Block;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.AdapterHost;
import ai.peft4j.tuners.TunerMethod;

/** LoHa's entry in the {@link ai.peft4j.tuners.TunerRegistry}: adapters live in a {@link LoHaModel}. */
public final class LoHaMethod implements TunerMethod {

    @Override
    public PeftType peftType() {
        return PeftType.LOHA;
    }

    @Override
    public PeftConfig readConfig(ConfigFields fields) {
        return LoHaConfig.read(fields);
    }

    @Override
    public AdapterHost newHost(Block model) {
        return new LoHaModel(model);
    }
}
