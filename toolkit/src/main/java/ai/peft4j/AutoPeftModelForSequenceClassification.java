package ai.peft4j;

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

    /** Loads base and adapter for inference; {@link AutoPeftModel} also loads them to train. */
    public static PeftModelForSequenceClassification fromPretrained(Path adapterDir) {
        return AutoPeftModel.fromPretrained(adapterDir, false, PeftModelForSequenceClassification.class);
    }

    /** {@link #fromPretrained(Path)}, with the adapter trainable when {@code isTrainable} (PEFT's {@code is_trainable}). */
    public static PeftModelForSequenceClassification fromPretrained(Path adapterDir, boolean isTrainable) {
        return AutoPeftModel.fromPretrained(adapterDir, isTrainable, PeftModelForSequenceClassification.class);
    }
}
