package ai.peft4j.models.auto;

import ai.peft4j.models.DemoMode;
import ai.peft4j.models.PreTrainedBaseModel;
import ai.peft4j.models.bert.BareBertModel;
import ai.peft4j.models.bert.BertConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * Loads a bare model (no task head) from a Hugging Face directory, choosing the architecture from {@code model_type}
 * in {@code config.json}, as transformers' {@code AutoModel}: the base of PEFT's {@code FEATURE_EXTRACTION} task.
 *
 * <pre>{@code
 * PreTrainedBaseModel bert = AutoModel.fromPretrained(Path.of("my-bert"));
 * }</pre>
 */
public final class AutoModel {

    private static final ModelMapping<PreTrainedBaseModel> MAPPING =
            new ModelMapping<PreTrainedBaseModel>("bare-model").register("bert", BertConfig::new, BareBertModel::new);

    private AutoModel() {}

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    public static PreTrainedBaseModel fromPretrained(Path dir) {
        return MAPPING.fromPretrained(dir);
    }

    /**
     * Loads from a local folder, or else from the Hub repo of that id (see {@link
     * AutoModelForCausalLM#fromPretrained(String)}); {@link DemoMode} applies as there.
     */
    public static PreTrainedBaseModel fromPretrained(String nameOrPath) {
        return MAPPING.fromPretrained(nameOrPath);
    }

    /**
     * The architecture for a parsed {@code config.json}, without weights.
     *
     * @throws ai.peft4j.models.ModelConfigException when its {@code model_type} has none here
     */
    public static PreTrainedBaseModel fromConfig(ObjectNode json) {
        return MAPPING.fromConfig(json);
    }
}
