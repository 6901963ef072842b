package ai.peft4j.tuners.ia3;

import ai.peft4j.tuners.TunerMethod;

/** IA3's entry in the {@link ai.peft4j.tuners.TunerRegistry}: adapters live in an {@link IA3Model}. */
public final class IA3Method extends TunerMethod {

    public IA3Method() {
        super(IA3Config.SCHEMA, IA3Model::new);
    }
}
