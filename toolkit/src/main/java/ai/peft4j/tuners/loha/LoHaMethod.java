package ai.peft4j.tuners.loha;

import ai.peft4j.tuners.TunerMethod;

/** LoHa's entry in the {@link ai.peft4j.tuners.TunerRegistry}: adapters live in a {@link LoHaModel}. */
public final class LoHaMethod extends TunerMethod {

    public LoHaMethod() {
        super(LoHaConfig.SCHEMA, LoHaModel::new);
    }
}
