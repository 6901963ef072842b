package ai.peft4j.models.auto;

import ai.peft4j.models.DemoMode;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.models.PreTrainedModelForQuestionAnswering;
import ai.peft4j.models.PretrainedConfig;
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

    private AutoModelForQuestionAnswering() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static PreTrainedModelForQuestionAnswering fromPretrained(Path dir) {
        return PreTrainedModel.withWeightsFrom(fromConfig(PretrainedConfig.readJson(dir)), dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id (see {@link
     * AutoModelForCausalLM#fromPretrained(String)}); {@link DemoMode} applies as there.
     */
    public static PreTrainedModelForQuestionAnswering fromPretrained(String nameOrPath) {
        return DemoMode.load(
                nameOrPath, AutoModelForQuestionAnswering::fromPretrained, AutoModelForQuestionAnswering::fromConfig);
    }

    /** The architecture for a parsed {@code config.json}, without weights. */
    public static PreTrainedModelForQuestionAnswering fromConfig(ObjectNode json) {
        String type = PretrainedConfig.modelTypeOf(json);
        switch (type) {
            case "bert":
                return new BertForQuestionAnswering(new BertConfig(json));
            default:
                throw new IllegalArgumentException("model_type '" + type
                        + "' has no question-answering architecture in peft4j yet; supported: bert");
        }
    }
}
