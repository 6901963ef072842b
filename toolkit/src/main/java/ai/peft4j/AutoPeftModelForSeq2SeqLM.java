package ai.peft4j;

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

    /** Loads base and adapter for inference; {@link AutoPeftModel} also loads them to train. */
    public static PeftModelForSeq2SeqLM fromPretrained(Path adapterDir) {
        return AutoPeftModel.fromPretrained(adapterDir, false, PeftModelForSeq2SeqLM.class);
    }

    /** {@link #fromPretrained(Path)}, with the adapter trainable when {@code isTrainable} (PEFT's {@code is_trainable}). */
    public static PeftModelForSeq2SeqLM fromPretrained(Path adapterDir, boolean isTrainable) {
        return AutoPeftModel.fromPretrained(adapterDir, isTrainable, PeftModelForSeq2SeqLM.class);
    }
}
