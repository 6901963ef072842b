package ai.peft4j;

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
        return AutoPeftModels.fromPretrained(adapterDir, false, PeftModelForTokenClassification.class);
    }

    /** Loads base and adapter; the adapter trains when {@code isTrainable}. */
    public static PeftModelForTokenClassification fromPretrained(Path adapterDir, boolean isTrainable) {
        return AutoPeftModels.fromPretrained(adapterDir, isTrainable, PeftModelForTokenClassification.class);
    }
}
