package ai.peft4j;

import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.PreTrainedModelForTokenClassification;
import ai.peft4j.models.auto.AutoModelForTokenClassification;
import java.nio.file.Path;

/**
 * Loads a base model and its adapter in one call, from the adapter directory alone (PEFT's {@code
 * AutoPeftModelForTokenClassification}): the base comes from {@code base_model_name_or_path} in {@code
 * adapter_config.json}.
 *
 * <pre>{@code
 * PeftModelForTokenClassification ner = AutoPeftModelForTokenClassification.fromPretrained(Path.of("bert-ner-lora"));
 * }</pre>
 */
public final class AutoPeftModelForTokenClassification {

    private AutoPeftModelForTokenClassification() {}

    /** Loads base and adapter for inference. */
    public static PeftModelForTokenClassification fromPretrained(Path adapterDir) {
        return fromPretrained(adapterDir, false);
    }

    /** Loads base and adapter; the adapter trains when {@code isTrainable}. */
    public static PeftModelForTokenClassification fromPretrained(Path adapterDir, boolean isTrainable) {
        PeftConfig config = PeftConfig.fromPretrained(adapterDir);
        if (config.taskType() != null && config.taskType() != TaskType.TOKEN_CLS) {
            throw new IllegalArgumentException("the adapter in " + adapterDir + " is for task_type " + config.taskType()
                    + ", not TOKEN_CLS; use the Auto class for that task");
        }
        PreTrainedModelForTokenClassification base = AutoPeftModelForCausalLM.loadBase(
                config.baseModelNameOrPath(),
                adapterDir,
                AutoModelForTokenClassification::fromPretrained,
                AutoModelForTokenClassification::fromPretrained);
        try {
            PeftModel peft = PeftModel.fromPretrained(base, adapterDir, PeftModel.DEFAULT_ADAPTER, isTrainable);
            if (!(peft instanceof PeftModelForTokenClassification)) {
                throw new IllegalArgumentException(
                        "the adapter in " + adapterDir + " has no task_type TOKEN_CLS in adapter_config.json");
            }
            return (PeftModelForTokenClassification) peft;
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }
}
