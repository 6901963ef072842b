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

    /** Loads base and adapter for inference; {@link AutoPeftModel} also loads them to train. */
    public static PeftModelForQuestionAnswering fromPretrained(Path adapterDir) {
        return AutoPeftModel.fromPretrained(adapterDir, false, PeftModelForQuestionAnswering.class);
    }

    /** {@link #fromPretrained(Path)}, with the adapter trainable when {@code isTrainable} (PEFT's {@code is_trainable}). */
    public static PeftModelForQuestionAnswering fromPretrained(Path adapterDir, boolean isTrainable) {
        return AutoPeftModel.fromPretrained(adapterDir, isTrainable, PeftModelForQuestionAnswering.class);
    }
}
