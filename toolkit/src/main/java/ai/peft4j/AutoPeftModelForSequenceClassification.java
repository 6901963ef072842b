package ai.peft4j;

import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.auto.AutoModelForSequenceClassification;
import java.nio.file.Path;

/**
 * Loads a base model and its adapter in one call, from the adapter directory alone (PEFT's
 * {@code AutoPeftModelForSequenceClassification}): the base comes from {@code base_model_name_or_path} in
 * {@code adapter_config.json}.
 *
 * <pre>{@code
 * PeftModelForSequenceClassification model = AutoPeftModelForSequenceClassification.fromPretrained(Path.of("roberta-large-ptuning"));
 * }</pre>
 */
public final class AutoPeftModelForSequenceClassification {

    private AutoPeftModelForSequenceClassification() {}

    /** Loads base and adapter for inference. */
    public static PeftModelForSequenceClassification fromPretrained(Path adapterDir) {
        return fromPretrained(adapterDir, false);
    }

    /** Loads base and adapter; the adapter trains when {@code isTrainable}. */
    public static PeftModelForSequenceClassification fromPretrained(Path adapterDir, boolean isTrainable) {
        PeftConfig config = PeftConfig.fromPretrained(adapterDir);
        if (config.taskType() != null && config.taskType() != TaskType.SEQ_CLS) {
            throw new IllegalArgumentException("the adapter in " + adapterDir + " is for task_type " + config.taskType()
                    + ", not SEQ_CLS; use the Auto class for that task");
        }
        PreTrainedModelForSequenceClassification lm = AutoPeftModelForCausalLM.loadBase(
                config.baseModelNameOrPath(),
                adapterDir,
                AutoModelForSequenceClassification::fromPretrained,
                AutoModelForSequenceClassification::fromPretrained);
        try {
            PeftModel peft = PeftModel.fromPretrained(lm, adapterDir, PeftModel.DEFAULT_ADAPTER, isTrainable);
            if (!(peft instanceof PeftModelForSequenceClassification)) {
                throw new IllegalArgumentException(
                        "the adapter in " + adapterDir + " has no task_type SEQ_CLS in adapter_config.json");
            }
            return (PeftModelForSequenceClassification) peft;
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }
}
