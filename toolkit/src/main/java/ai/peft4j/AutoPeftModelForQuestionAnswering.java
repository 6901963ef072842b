package ai.peft4j;

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
        return AutoPeftModels.fromPretrained(adapterDir, false, PeftModelForQuestionAnswering.class);
    }

    /** Loads base and adapter; the adapter trains when {@code isTrainable}. */
    public static PeftModelForQuestionAnswering fromPretrained(Path adapterDir, boolean isTrainable) {
        return AutoPeftModels.fromPretrained(adapterDir, isTrainable, PeftModelForQuestionAnswering.class);
    }
}
