package ai.peft4j.models.auto;

import ai.peft4j.models.DemoMode;
import ai.peft4j.models.PreTrainedModelForQuestionAnswering;
import ai.peft4j.models.bert.BertConfig;
import ai.peft4j.models.bert.BertForQuestionAnswering;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * Loads an extractive question-answering model from a Hugging Face directory, choosing the architecture from {@code
 * model_type} in {@code config.json}.
 *
 * <pre>{@code
 * PreTrainedModelForQuestionAnswering qa = AutoModelForQuestionAnswering.fromPretrained("bert-base-uncased");
 * }</pre>
 */
public final class AutoModelForQuestionAnswering {

    private static final ModelMapping<PreTrainedModelForQuestionAnswering> MAPPING = new ModelMapping<
                    PreTrainedModelForQuestionAnswering>("question-answering")
            .register("bert", BertConfig::new, BertForQuestionAnswering::new);

    private AutoModelForQuestionAnswering() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static PreTrainedModelForQuestionAnswering fromPretrained(Path dir) {
        return MAPPING.fromPretrained(dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id (see {@link
     * AutoModelForCausalLM#fromPretrained(String)}); {@link DemoMode} applies as there.
     */
    public static PreTrainedModelForQuestionAnswering fromPretrained(String nameOrPath) {
        return MAPPING.fromPretrained(nameOrPath);
    }

    /**
     * The architecture for a parsed {@code config.json}, without weights.
     *
     * @throws ai.peft4j.models.ModelConfigException when its {@code model_type} has none here
     */
    public static PreTrainedModelForQuestionAnswering fromConfig(ObjectNode json) {
        return MAPPING.fromConfig(json);
    }
}
