package ai.peft4j.models.auto;

import ai.peft4j.models.DemoMode;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
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

    private static final ModelMapping<PreTrainedModelForSequenceClassification> MAPPING = new ModelMapping<
                    PreTrainedModelForSequenceClassification>("sequence-classification")
            .register("roberta", RobertaConfig::new, RobertaForSequenceClassification::new)
            .register("bert", BertConfig::new, BertForSequenceClassification::new);

    private AutoModelForSequenceClassification() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static PreTrainedModelForSequenceClassification fromPretrained(Path dir) {
        return MAPPING.fromPretrained(dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id (see {@link
     * AutoModelForCausalLM#fromPretrained(String)}); {@link DemoMode} applies as there.
     */
    public static PreTrainedModelForSequenceClassification fromPretrained(String nameOrPath) {
        return MAPPING.fromPretrained(nameOrPath);
    }

    /**
     * The architecture for a parsed {@code config.json}, without weights.
     *
     * @throws ai.peft4j.models.ModelConfigException when its {@code model_type} has none here
     */
    public static PreTrainedModelForSequenceClassification fromConfig(ObjectNode json) {
        return MAPPING.fromConfig(json);
    }
}
