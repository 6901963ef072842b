package ai.peft4j;

import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.hub.HubClient;
import ai.peft4j.io.hub.RepoId;
import ai.peft4j.models.PreTrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * What every {@code AutoPeftModelFor*} class does, for any task class: read the adapter's config, check its task, load
 * the base model named by {@code base_model_name_or_path} with the task's {@code AutoModelFor*}, and load the adapter
 * into it (PEFT's {@code AutoPeftModel.from_pretrained} with a task class). The task classes' one-argument {@code
 * fromPretrained} loads for inference; this form also loads an adapter to train further.
 *
 * <pre>{@code
 * PeftModelForSequenceClassification cls =
 *     AutoPeftModel.fromPretrained(Path.of("roberta-lora"), true, PeftModelForSequenceClassification.class);
 * cls.printTrainableParameters();   // the adapter trains
 * }</pre>
 */
public final class AutoPeftModel {

    private AutoPeftModel() {}

    /** {@link #fromPretrained(Path, boolean, Class)} from a local folder or a Hub repo id. */
    public static <P extends PeftModel> P fromPretrained(String nameOrPath, boolean isTrainable, Class<P> taskClass) {
        return fromPretrained(HubClient.getDefault().adapterDir(nameOrPath), isTrainable, taskClass);
    }

    /**
     * Base model and adapter from {@code adapterDir}, as the task class {@code taskClass} (e.g. {@code
     * PeftModelForCausalLM.class}); the adapter trains when {@code isTrainable}. A failed load frees the base model
     * it loaded.
     *
     * @throws IllegalArgumentException when the adapter is for another task, or the base cannot be found
     */
    public static <P extends PeftModel> P fromPretrained(Path adapterDir, boolean isTrainable, Class<P> taskClass) {
        TaskType task = PeftModels.taskOf(taskClass);
        PeftConfig config = PeftConfig.fromPretrained(adapterDir);
        if (config.taskType() != null && config.taskType() != task) {
            throw new IllegalArgumentException("the adapter in " + adapterDir + " is for task_type " + config.taskType()
                    + ", not " + task + "; use the Auto class for that task");
        }
        PeftModels.Task<?> t = PeftModels.task(task);
        PreTrainedModel base = loadBase(config.baseModelNameOrPath(), adapterDir, t.fromDir(), t.fromId());
        try {
            PeftModel peft = PeftModel.fromPretrained(base, adapterDir, PeftModel.DEFAULT_ADAPTER, isTrainable);
            if (!taskClass.isInstance(peft)) {
                throw new IllegalArgumentException(
                        "the adapter in " + adapterDir + " has no task_type " + task + " in adapter_config.json");
            }
            return taskClass.cast(peft);
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }

    /**
     * The base model: {@code base_model_name_or_path} as a local folder (absolute or relative to
     * the working directory, else relative to the adapter folder or one of its parents), else as a
     * Hub repo id.
     */
    static <M> M loadBase(
            String nameOrPath,
            Path adapterDir,
            Function<Path, ? extends M> fromDir,
            Function<String, ? extends M> fromId) {
        Path local = localBase(nameOrPath, adapterDir);
        if (local != null) {
            return fromDir.apply(local);
        }
        if (RepoId.isValid(nameOrPath)) {
            return fromId.apply(nameOrPath);
        }
        throw new IllegalArgumentException(
                "base model '" + nameOrPath + "' (base_model_name_or_path of " + adapterDir + ") is neither"
                        + " a local folder, as given or next to the adapter, nor a Hub repo id; fix the path, or"
                        + " load the base yourself and call PeftModel.fromPretrained(model, dir)");
    }

    /** The local base folder, or null when there is none. */
    static Path localBase(String nameOrPath, Path adapterDir) {
        if (nameOrPath == null || nameOrPath.isBlank()) {
            throw new IllegalArgumentException(
                    "adapter_config.json in " + adapterDir + " has no base_model_name_or_path; load the base"
                            + " model yourself and call PeftModel.fromPretrained(model, dir)");
        }
        if (HubClient.isLocalDir(nameOrPath)) {
            return Path.of(nameOrPath);
        }
        for (Path dir = adapterDir.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            try {
                Path candidate = dir.resolve(nameOrPath);
                if (Files.isDirectory(candidate)) {
                    return candidate;
                }
            } catch (java.nio.file.InvalidPathException e) {
                return null;
            }
        }
        return null;
    }
}
