package ai.peft4j;

import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.auto.AutoModelForSeq2SeqLM;
import ai.peft4j.models.t5.T5ForConditionalGeneration;
import java.nio.file.Path;

/**
 * Loads a base model and its adapter in one call, from the adapter directory alone (PEFT's {@code
 * AutoPeftModelForSeq2SeqLM}): the base comes from {@code base_model_name_or_path} in {@code adapter_config.json}.
 *
 * <pre>{@code
 * PeftModelForSeq2SeqLM mt0 = AutoPeftModelForSeq2SeqLM.fromPretrained(Path.of("mt0-large-lora"));
 * }</pre>
 */
public final class AutoPeftModelForSeq2SeqLM {

    private AutoPeftModelForSeq2SeqLM() {}

    /** Loads base and adapter for inference. */
    public static PeftModelForSeq2SeqLM fromPretrained(Path adapterDir) {
        return fromPretrained(adapterDir, false);
    }

    /** Loads base and adapter; the adapter trains when {@code isTrainable}. */
    public static PeftModelForSeq2SeqLM fromPretrained(Path adapterDir, boolean isTrainable) {
        PeftConfig config = PeftConfig.fromPretrained(adapterDir);
        if (config.taskType() != null && config.taskType() != TaskType.SEQ_2_SEQ_LM) {
            throw new IllegalArgumentException("the adapter in " + adapterDir + " is for task_type " + config.taskType()
                    + ", not SEQ_2_SEQ_LM; use the Auto class for that task");
        }
        T5ForConditionalGeneration base = AutoPeftModelForCausalLM.loadBase(
                config.baseModelNameOrPath(),
                adapterDir,
                AutoModelForSeq2SeqLM::fromPretrained,
                AutoModelForSeq2SeqLM::fromPretrained);
        try {
            PeftModel peft = PeftModel.fromPretrained(base, adapterDir, PeftModel.DEFAULT_ADAPTER, isTrainable);
            if (!(peft instanceof PeftModelForSeq2SeqLM)) {
                throw new IllegalArgumentException(
                        "the adapter in " + adapterDir + " has no task_type SEQ_2_SEQ_LM in adapter_config.json");
            }
            return (PeftModelForSeq2SeqLM) peft;
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }
}
