package ai.peft4j;

import java.nio.file.Path;

/**
 * Loads a bare base model and its adapter in one call, from the adapter directory alone (PEFT's {@code
 * AutoPeftModelForFeatureExtraction}): the base comes from {@code base_model_name_or_path} in {@code
 * adapter_config.json}, through {@link ai.peft4j.models.auto.AutoModel}.
 *
 * <pre>{@code
 * PeftModelForFeatureExtraction bert = AutoPeftModelForFeatureExtraction.fromPretrained(Path.of("bert-lora"));
 * NDArray features = bert.forward(inputIds, attentionMask).lastHiddenState();
 * }</pre>
 */
public final class AutoPeftModelForFeatureExtraction {

    private AutoPeftModelForFeatureExtraction() {}

    /** Loads base and adapter for inference; {@link AutoPeftModel} also loads them to train. */
    public static PeftModelForFeatureExtraction fromPretrained(Path adapterDir) {
        return AutoPeftModel.fromPretrained(adapterDir, false, PeftModelForFeatureExtraction.class);
    }

    /** {@link #fromPretrained(Path)}, with the adapter trainable when {@code isTrainable} (PEFT's {@code is_trainable}). */
    public static PeftModelForFeatureExtraction fromPretrained(Path adapterDir, boolean isTrainable) {
        return AutoPeftModel.fromPretrained(adapterDir, isTrainable, PeftModelForFeatureExtraction.class);
    }
}
