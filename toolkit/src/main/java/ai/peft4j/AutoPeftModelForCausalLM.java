package ai.peft4j;

import ai.peft4j.models.AutoModelForCausalLM;
import ai.peft4j.models.PreTrainedCausalLM;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a base model and its adapter in one call, from the adapter directory alone (PEFT's
 * {@code AutoPeftModelForCausalLM}): the base comes from {@code base_model_name_or_path} in
 * {@code adapter_config.json}.
 *
 * <pre>{@code
 * PeftModelForCausalLM model = AutoPeftModelForCausalLM.fromPretrained(Path.of("opt-350m-lora"));
 * }</pre>
 */
public final class AutoPeftModelForCausalLM {

  private AutoPeftModelForCausalLM() {}

  /** Loads base and adapter for inference. */
  public static PeftModelForCausalLM fromPretrained(Path adapterDir) {
    return fromPretrained(adapterDir, false);
  }

  /** Loads base and adapter; the adapter trains when {@code isTrainable}. */
  public static PeftModelForCausalLM fromPretrained(Path adapterDir, boolean isTrainable) {
    PeftConfig config = PeftConfig.fromPretrained(adapterDir);
    if (config.taskType() != null && config.taskType() != TaskType.CAUSAL_LM) {
      throw new IllegalArgumentException(
          "the adapter in " + adapterDir + " is for task_type " + config.taskType()
              + ", not CAUSAL_LM; use the Auto class for that task");
    }
    Path base = resolveBase(config.baseModelNameOrPath(), adapterDir);
    PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(base);
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
   * The base model directory: {@code base_model_name_or_path} as a path (absolute or relative to
   * the working directory), else relative to the adapter directory or one of its parents.
   */
  static Path resolveBase(String nameOrPath, Path adapterDir) {
    if (nameOrPath == null || nameOrPath.isBlank()) {
      throw new IllegalArgumentException(
          "adapter_config.json in " + adapterDir + " has no base_model_name_or_path; load the base"
              + " model yourself and call PeftModel.fromPretrained(model, dir)");
    }
    Path direct = Path.of(nameOrPath);
    if (Files.isDirectory(direct)) {
      return direct;
    }
    for (Path dir = adapterDir.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(nameOrPath);
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException(
        "base model '" + nameOrPath + "' (base_model_name_or_path of " + adapterDir + ") is not a"
            + " local directory, neither as given nor next to the adapter; download it and pass"
            + " its path, or load it yourself and call PeftModel.fromPretrained(model, dir)."
            + " Hub ids are not resolved yet.");
  }
}
