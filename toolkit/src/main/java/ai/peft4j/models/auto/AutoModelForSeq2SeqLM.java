package ai.peft4j.models.auto;

import ai.peft4j.io.hub.HubClient;
import ai.peft4j.models.DemoMode;
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

    private static final ModelMapping<T5ForConditionalGeneration> MAPPING = new ModelMapping<
                    T5ForConditionalGeneration>("sequence-to-sequence")
            .register("t5", T5Config::new, T5ForConditionalGeneration::new)
            .register("mt5", T5Config::new, MT5ForConditionalGeneration::new);

    private AutoModelForSeq2SeqLM() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static T5ForConditionalGeneration fromPretrained(Path dir) {
        return MAPPING.fromPretrained(dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id through {@link HubClient#getDefault()}. With
     * {@link DemoMode} on, an id that is neither local nor cached gives seeded random weights.
     */
    public static T5ForConditionalGeneration fromPretrained(String nameOrPath) {
        return MAPPING.fromPretrained(nameOrPath);
    }

    /**
     * The architecture for a parsed {@code config.json}, without weights.
     *
     * @throws ai.peft4j.models.ModelConfigException when its {@code model_type} has none here
     */
    public static T5ForConditionalGeneration fromConfig(ObjectNode json) {
        return MAPPING.fromConfig(json);
    }
}
