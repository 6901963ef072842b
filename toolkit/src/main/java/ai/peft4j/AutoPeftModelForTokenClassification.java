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

    /** Loads base and adapter for inference; {@link AutoPeftModel} also loads them to train. */
    public static PeftModelForTokenClassification fromPretrained(Path adapterDir) {
        return AutoPeftModel.fromPretrained(adapterDir, false, PeftModelForTokenClassification.class);
    }

    /** {@link #fromPretrained(Path)}, with the adapter trainable when {@code isTrainable} (PEFT's {@code is_trainable}). */
    public static PeftModelForTokenClassification fromPretrained(Path adapterDir, boolean isTrainable) {
        return AutoPeftModel.fromPretrained(adapterDir, isTrainable, PeftModelForTokenClassification.class);
    }
}
