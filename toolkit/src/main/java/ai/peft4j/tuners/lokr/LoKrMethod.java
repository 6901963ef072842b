package ai.peft4j.tuners.lokr;

import ai.peft4j.tuners.TunerMethod;

/** LoKr's entry in the {@link ai.peft4j.tuners.TunerRegistry}: adapters live in a {@link LoKrModel}. */
public final class LoKrMethod extends TunerMethod {

    public LoKrMethod() {
        super(LoKrConfig.SCHEMA, LoKrModel::new);
    }
}
