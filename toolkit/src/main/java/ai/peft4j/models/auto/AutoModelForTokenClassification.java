package ai.peft4j.models.auto;

import ai.peft4j.models.DemoMode;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.models.PreTrainedModelForTokenClassification;
import ai.peft4j.models.PretrainedConfig;
import ai.peft4j.models.bert.BertConfig;
import ai.peft4j.models.bert.BertForTokenClassification;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * Loads a token classifier from a Hugging Face directory, choosing the architecture from {@code model_type} in
 * {@code config.json}.
 *
 * <pre>{@code
 * PreTrainedModelForTokenClassification ner = AutoModelForTokenClassification.fromPretrained("bert-base-uncased");
 * }</pre>
 */
public final class AutoModelForTokenClassification {

    private AutoModelForTokenClassification() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static PreTrainedModelForTokenClassification fromPretrained(Path dir) {
        return PreTrainedModel.withWeightsFrom(fromConfig(PretrainedConfig.readJson(dir)), dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id (see {@link
     * AutoModelForCausalLM#fromPretrained(String)}); {@link DemoMode} applies as there.
     */
    public static PreTrainedModelForTokenClassification fromPretrained(String nameOrPath) {
        return DemoMode.load(
                nameOrPath,
                AutoModelForTokenClassification::fromPretrained,
                AutoModelForTokenClassification::fromConfig);
    }

    /** The architecture for a parsed {@code config.json}, without weights. */
    public static PreTrainedModelForTokenClassification fromConfig(ObjectNode json) {
        String type = PretrainedConfig.modelTypeOf(json);
        switch (type) {
            case "bert":
                return new BertForTokenClassification(new BertConfig(json));
            default:
                throw new IllegalArgumentException("model_type '" + type
                        + "' has no token-classification architecture in peft4j yet; supported: bert");
        }
    }
}
