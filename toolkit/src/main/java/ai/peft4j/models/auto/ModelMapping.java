package ai.peft4j.models.auto;

import ai.peft4j.models.DemoMode;
import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * transformers' {@code _BaseAutoModelClass} with its {@code _model_mapping}: for one task, the architecture of each
 * {@code model_type}, and the loading every {@code AutoModelFor*} class does the same way.
 *
 * @param <M> the task's model class
 */
final class ModelMapping<M extends PreTrainedModel> {

    private final String task;
    private final Map<String, Function<ObjectNode, ? extends M>> architectures = new LinkedHashMap<>();

    /** An empty mapping; {@code task} names it in errors ({@code "causal-LM"}). */
    ModelMapping(String task) {
        this.task = task;
    }

    /** Maps {@code modelType} to the architecture {@code model} builds from the config that {@code config} reads. */
    <C> ModelMapping<M> register(
            String modelType, Function<ObjectNode, C> config, Function<? super C, ? extends M> model) {
        architectures.put(modelType, json -> model.apply(config.apply(json)));
        return this;
    }

    /**
     * The architecture for a parsed {@code config.json}, without weights.
     *
     * @throws ModelConfigException when its {@code model_type} has no architecture for this task
     */
    M fromConfig(ObjectNode json) {
        String type = PretrainedConfig.modelTypeOf(json);
        Function<ObjectNode, ? extends M> architecture = architectures.get(type);
        if (architecture == null) {
            throw new ModelConfigException(
                    "model_type",
                    "model_type '" + type + "' has no " + task + " architecture in peft4j yet; supported: "
                            + String.join(", ", architectures.keySet()));
        }
        return architecture.apply(json);
    }

    /** Reads {@code config.json}, builds the architecture and loads its safetensors weights. */
    M fromPretrained(Path dir) {
        return PreTrainedModel.withWeightsFrom(fromConfig(PretrainedConfig.readJson(dir)), dir);
    }

    /** A local folder or a Hub id, with {@link DemoMode} applied. */
    M fromPretrained(String nameOrPath) {
        return DemoMode.load(nameOrPath, this::fromPretrained, this::fromConfig);
    }
}
