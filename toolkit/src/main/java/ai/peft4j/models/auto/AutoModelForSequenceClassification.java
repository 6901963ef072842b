package ai.peft4j.models.auto;

import ai.peft4j.models.DemoMode;
import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.PretrainedConfig;
import ai.peft4j.models.bert.BertConfig;
import ai.peft4j.models.bert.BertForSequenceClassification;
import ai.peft4j.models.roberta.RobertaConfig;
import ai.peft4j.models.roberta.RobertaForSequenceClassification;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * Loads a sequence classifier from a Hugging Face directory, choosing the architecture from
 * {@code model_type} in {@code config.json}.
 *
 * <pre>{@code
 * PreTrainedModelForSequenceClassification m =
 *     AutoModelForSequenceClassification.fromPretrained(Path.of("tiny_roberta"));
 * }</pre>
 */
public final class AutoModelForSequenceClassification {

    private AutoModelForSequenceClassification() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static PreTrainedModelForSequenceClassification fromPretrained(Path dir) {
        return PreTrainedModel.withWeightsFrom(fromConfig(PretrainedConfig.readJson(dir)), dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id (see {@link
     * AutoModelForCausalLM#fromPretrained(String)}); {@link DemoMode} applies as there.
     */
    public static PreTrainedModelForSequenceClassification fromPretrained(String nameOrPath) {
        return DemoMode.load(
                nameOrPath,
                AutoModelForSequenceClassification::fromPretrained,
                AutoModelForSequenceClassification::fromConfig);
    }

    /** The architecture for a parsed {@code config.json}, without weights. */
    public static PreTrainedModelForSequenceClassification fromConfig(ObjectNode json) {
        String type = PretrainedConfig.modelTypeOf(json);
        switch (type) {
            case "roberta":
                return new RobertaForSequenceClassification(new RobertaConfig(json));
            case "bert":
                return new BertForSequenceClassification(new BertConfig(json));
            default:
                throw new ModelConfigException(
                        "model_type",
                        "model_type '" + type + "' has no sequence-classification architecture in peft4j yet;"
                                + " supported: roberta, bert");
        }
    }
}
