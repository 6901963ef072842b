package ai.peft4j.tuners.ptuning;

import ai.peft4j.tuners.prompt.PromptLearningMethod;

/** P-tuning's entry in the {@link ai.peft4j.tuners.TunerRegistry}: a {@link PromptEncoder} per adapter. */
public final class PromptEncoderMethod extends PromptLearningMethod {

    public PromptEncoderMethod() {
        super(
                PromptEncoderConfig.SCHEMA,
                (config, wordEmbeddings, m, rnd) -> new PromptEncoder((PromptEncoderConfig) config, rnd));
    }
}
