package ai.peft4j.tuners.lora;

import ai.peft4j.tuners.TunerMethod;

/** LoRA's entry in the {@link ai.peft4j.tuners.TunerRegistry}: adapters live in a {@link LoraModel}. */
public final class LoraMethod extends TunerMethod {

    public LoraMethod() {
        super(LoraConfig.SCHEMA, LoraModel::new);
    }
}
