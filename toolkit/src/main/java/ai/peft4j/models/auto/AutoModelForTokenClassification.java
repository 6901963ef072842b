package ai.peft4j.models.auto;

import ai.peft4j.models.DemoMode;
import ai.peft4j.models.PreTrainedModelForTokenClassification;
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

    private static final ModelMapping<PreTrainedModelForTokenClassification> MAPPING = new ModelMapping<
                    PreTrainedModelForTokenClassification>("token-classification")
            .register("bert", BertConfig::new, BertForTokenClassification::new);

    private AutoModelForTokenClassification() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static PreTrainedModelForTokenClassification fromPretrained(Path dir) {
        return MAPPING.fromPretrained(dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id (see {@link
     * AutoModelForCausalLM#fromPretrained(String)}); {@link DemoMode} applies as there.
     */
    public static PreTrainedModelForTokenClassification fromPretrained(String nameOrPath) {
        return MAPPING.fromPretrained(nameOrPath);
    }

    /**
     * The architecture for a parsed {@code config.json}, without weights.
     *
     * @throws ai.peft4j.models.ModelConfigException when its {@code model_type} has none here
     */
    public static PreTrainedModelForTokenClassification fromConfig(ObjectNode json) {
        return MAPPING.fromConfig(json);
    }
}
