package ai.peft4j.models.auto;

import ai.peft4j.io.hub.HubClient;
import ai.peft4j.models.DemoMode;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.models.PretrainedConfig;
import ai.peft4j.models.t5.MT5ForConditionalGeneration;
import ai.peft4j.models.t5.T5Config;
import ai.peft4j.models.t5.T5ForConditionalGeneration;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * Loads a sequence-to-sequence language model from a Hugging Face directory, choosing the architecture from {@code
 * model_type} in {@code config.json} ({@code t5}, {@code mt5}).
 *
 * <pre>{@code
 * T5ForConditionalGeneration t5 = AutoModelForSeq2SeqLM.fromPretrained(Path.of("t5-small"));
 * T5ForConditionalGeneration mt0 = AutoModelForSeq2SeqLM.fromPretrained("bigscience/mt0-large"); // from the Hub
 * }</pre>
 */
public final class AutoModelForSeq2SeqLM {

    private AutoModelForSeq2SeqLM() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static T5ForConditionalGeneration fromPretrained(Path dir) {
        return PreTrainedModel.withWeightsFrom(fromConfig(PretrainedConfig.readJson(dir)), dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id through {@link HubClient#getDefault()}. With
     * {@link DemoMode} on, an id that is neither local nor cached gives seeded random weights.
     */
    public static T5ForConditionalGeneration fromPretrained(String nameOrPath) {
        return DemoMode.load(nameOrPath, AutoModelForSeq2SeqLM::fromPretrained, AutoModelForSeq2SeqLM::fromConfig);
    }

    /** The architecture for a parsed {@code config.json}, without weights. */
    public static T5ForConditionalGeneration fromConfig(ObjectNode json) {
        String type = PretrainedConfig.modelTypeOf(json);
        switch (type) {
            case "t5":
                return new T5ForConditionalGeneration(new T5Config(json));
            case "mt5":
                return new MT5ForConditionalGeneration(new T5Config(json));
            default:
                throw new IllegalArgumentException("model_type '" + type
                        + "' has no sequence-to-sequence architecture in " + "peft4j yet; supported: t5, mt5");
        }
    }
}
