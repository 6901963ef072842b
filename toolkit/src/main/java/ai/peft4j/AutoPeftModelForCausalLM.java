package ai.peft4j;

import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.hub.HubClient;
import ai.peft4j.io.hub.RepoId;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Loads a base model and its adapter in one call, from the adapter directory alone (PEFT's
 * {@code AutoPeftModelForCausalLM}): the base comes from {@code base_model_name_or_path} in
 * {@code adapter_config.json}.
 *
 * <pre>{@code
 * PeftModelForCausalLM model = AutoPeftModelForCausalLM.fromPretrained(Path.of("opt-350m-lora"));
 * PeftModelForCausalLM hub = AutoPeftModelForCausalLM.fromPretrained("ybelkada/opt-350m-lora");
 * }</pre>
 *
 * <p>With a repo id, adapter and base come from the Hub (through {@link HubClient#getDefault()})
 * when they are not local folders.
 */
public final class AutoPeftModelForCausalLM {

    private AutoPeftModelForCausalLM() {}

    /** Loads base and adapter for inference. */
    public static PeftModelForCausalLM fromPretrained(Path adapterDir) {
        return fromPretrained(adapterDir, false);
    }

    /** Loads base and adapter from a local folder or a Hub repo id, for inference. */
    public static PeftModelForCausalLM fromPretrained(String nameOrPath) {
        return fromPretrained(nameOrPath, false);
    }

    /** {@link #fromPretrained(String)}; the adapter trains when {@code isTrainable}. */
    public static PeftModelForCausalLM fromPretrained(String nameOrPath, boolean isTrainable) {
        return fromPretrained(HubClient.getDefault().adapterDir(nameOrPath), isTrainable);
    }

    /** Loads base and adapter; the adapter trains when {@code isTrainable}. */
    public static PeftModelForCausalLM fromPretrained(Path adapterDir, boolean isTrainable) {
        PeftConfig config = PeftConfig.fromPretrained(adapterDir);
        if (config.taskType() != null && config.taskType() != TaskType.CAUSAL_LM) {
            throw new IllegalArgumentException("the adapter in " + adapterDir + " is for task_type " + config.taskType()
                    + ", not CAUSAL_LM; use the Auto class for that task");
        }
        PreTrainedCausalLM lm = loadBase(
                config.baseModelNameOrPath(),
                adapterDir,
                AutoModelForCausalLM::fromPretrained,
                AutoModelForCausalLM::fromPretrained);
        try {
            PeftModel peft = PeftModel.fromPretrained(lm, adapterDir, PeftModel.DEFAULT_ADAPTER, isTrainable);
            if (!(peft instanceof PeftModelForCausalLM)) {
                throw new IllegalArgumentException(
                        "the adapter in " + adapterDir + " has no task_type CAUSAL_LM in adapter_config.json");
            }
            return (PeftModelForCausalLM) peft;
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /**
     * The base model: {@code base_model_name_or_path} as a local folder (absolute or relative to
     * the working directory, else relative to the adapter folder or one of its parents), else as a
     * Hub repo id.
     */
    static <M> M loadBase(String nameOrPath, Path adapterDir, Function<Path, M> fromDir, Function<String, M> fromId) {
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
