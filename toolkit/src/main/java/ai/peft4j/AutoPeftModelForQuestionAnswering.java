package ai.peft4j;

import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.PreTrainedModelForQuestionAnswering;
import ai.peft4j.models.auto.AutoModelForQuestionAnswering;
import java.nio.file.Path;

/**
 * Loads a base model and its adapter in one call, from the adapter directory alone (PEFT's {@code
 * AutoPeftModelForQuestionAnswering}): the base comes from {@code base_model_name_or_path} in {@code
 * adapter_config.json}.
 *
 * <pre>{@code
 * PeftModelForQuestionAnswering qa = AutoPeftModelForQuestionAnswering.fromPretrained(Path.of("bert-squad-lora"));
 * }</pre>
 */
public final class AutoPeftModelForQuestionAnswering {

    private AutoPeftModelForQuestionAnswering() {}

    /** Loads base and adapter for inference. */
    public static PeftModelForQuestionAnswering fromPretrained(Path adapterDir) {
        return fromPretrained(adapterDir, false);
    }

    /** Loads base and adapter; the adapter trains when {@code isTrainable}. */
    public static PeftModelForQuestionAnswering fromPretrained(Path adapterDir, boolean isTrainable) {
        PeftConfig config = PeftConfig.fromPretrained(adapterDir);
        if (config.taskType() != null && config.taskType() != TaskType.QUESTION_ANS) {
            throw new IllegalArgumentException("the adapter in " + adapterDir + " is for task_type " + config.taskType()
                    + ", not QUESTION_ANS; use the Auto class for that task");
        }
        PreTrainedModelForQuestionAnswering base = AutoPeftModelForCausalLM.loadBase(
                config.baseModelNameOrPath(),
                adapterDir,
                AutoModelForQuestionAnswering::fromPretrained,
                AutoModelForQuestionAnswering::fromPretrained);
        try {
            PeftModel peft = PeftModel.fromPretrained(base, adapterDir, PeftModel.DEFAULT_ADAPTER, isTrainable);
            if (!(peft instanceof PeftModelForQuestionAnswering)) {
                throw new IllegalArgumentException(
                        "the adapter in " + adapterDir + " has no task_type QUESTION_ANS in adapter_config.json");
            }
            return (PeftModelForQuestionAnswering) peft;
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }
}
