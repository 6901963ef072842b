package ai.peft4j.tuners.lora;

import ai.djl.nn.Block;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.AdapterHost;
import ai.peft4j.tuners.TunerMethod;

/** LoRA's entry in the {@link ai.peft4j.tuners.TunerRegistry}: adapters live in a {@link LoraModel}. */
public final class LoraMethod implements TunerMethod {

    @Override
    public PeftType peftType() {
        return PeftType.LORA;
    }

    @Override
    public PeftConfig readConfig(ConfigFields fields) {
        return LoraConfig.read(fields);
    }

    @Override
    public AdapterHost newHost(Block model) {
        return new LoraModel(model);
    }
}
