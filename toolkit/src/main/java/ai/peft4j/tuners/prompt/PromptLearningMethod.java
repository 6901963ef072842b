package ai.peft4j.tuners.prompt;

import ai.peft4j.config.ConfigSchema;
import ai.peft4j.tuners.TunerMethod;

/**
 * A prompt-learning method's entry in the {@link ai.peft4j.tuners.TunerRegistry}: its config schema and a {@link
 * PromptLearning} host with the method's encoder factory. A method subclasses it with a public no-argument
 * constructor (the {@code ServiceLoader} needs one):
 *
 * <pre>{@code
 * public final class PromptTuningMethod extends PromptLearningMethod {
 *   public PromptTuningMethod() {
 *     super(PromptTuningConfig.SCHEMA, (config, wordEmbeddings, model, rnd) -> new PromptEmbedding(...));
 *   }
 * }
 * }</pre>
 */
public abstract class PromptLearningMethod extends TunerMethod {

    protected PromptLearningMethod(
            ConfigSchema<? extends PromptLearningConfig> schema, PromptLearning.EncoderFactory encoderFactory) {
        super(schema, model -> new PromptLearning(model, encoderFactory));
    }
}
