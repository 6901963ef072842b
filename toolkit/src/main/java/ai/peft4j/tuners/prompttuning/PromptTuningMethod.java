package ai.peft4j.tuners.prompttuning;

import ai.peft4j.tuners.prompt.PromptLearningMethod;

/** Prompt tuning's entry in the {@link ai.peft4j.tuners.TunerRegistry}: a {@link PromptEmbedding} per adapter. */
public final class PromptTuningMethod extends PromptLearningMethod {

    public PromptTuningMethod() {
        super(
                PromptTuningConfig.SCHEMA,
                (config, wordEmbeddings, m, rnd) ->
                        new PromptEmbedding((PromptTuningConfig) config, wordEmbeddings, rnd));
    }
}
