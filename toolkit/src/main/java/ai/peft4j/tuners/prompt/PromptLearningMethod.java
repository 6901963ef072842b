package ai.peft4j.tuners.prompt;

import ai.djl.nn.Block;
import ai.peft4j.config.ConfigFields;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.tuners.AdapterHost;
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
public abstract class PromptLearningMethod implements TunerMethod {

    private final ConfigSchema<? extends PromptLearningConfig> schema;
    private final PromptLearning.EncoderFactory encoderFactory;

    protected PromptLearningMethod(
            ConfigSchema<? extends PromptLearningConfig> schema, PromptLearning.EncoderFactory encoderFactory) {
        this.schema = schema;
        this.encoderFactory = encoderFactory;
    }

    @Override
    public final PeftType peftType() {
        return schema.peftType();
    }

    @Override
    public final PeftConfig readConfig(ConfigFields fields) {
        return schema.read(fields);
    }

    @Override
    public final AdapterHost newHost(Block model) {
        return new PromptLearning(model, encoderFactory);
    }
}
