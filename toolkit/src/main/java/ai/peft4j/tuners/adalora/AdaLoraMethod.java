package ai.peft4j.tuners.adalora;

import ai.peft4j.tuners.TunerMethod;

/** AdaLoRA's entry in the {@link ai.peft4j.tuners.TunerRegistry}: adapters live in an {@link AdaLoraModel}. */
public final class AdaLoraMethod extends TunerMethod {

    public AdaLoraMethod() {
        super(AdaLoraConfig.SCHEMA, AdaLoraModel::new);
    }
}
