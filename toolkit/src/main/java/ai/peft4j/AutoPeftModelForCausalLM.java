package ai.peft4j;

import ai.peft4j.io.hub.HubClient;
import java.nio.file.Path;

/**
 * Loads a base model and its adapter in one call, from the adapter directory alone (PEFT's
 * {@code AutoPeftModelForCausalLM}): the base comes from {@code base_model_name_or_path} in
 * {@code adapter_config.json}.
 *
 * <pre>{@code
 * PeftModelForCausalLM model = AutoPeftModelForCausalLM.fromPretrained(Path.of("opt-350m-lora"));
 * PeftModelForCausalLM hub = AutoPeftModelForCausalLM.fromPretrained("ybelkada/opt-350m-lora");
 * PeftModelForCausalLM more = AutoPeftModelForCausalLM.fromPretrained(Path.of("opt-350m-lora"), true); // to train on
 * }</pre>
 *
 * <p>With a repo id, adapter and base come from the Hub (through {@link HubClient#getDefault()})
 * when they are not local folders.
 */
public final class AutoPeftModelForCausalLM {

    private AutoPeftModelForCausalLM() {}

    /** Loads base and adapter for inference; {@link AutoPeftModel} also loads them to train. */
    public static PeftModelForCausalLM fromPretrained(Path adapterDir) {
        return AutoPeftModel.fromPretrained(adapterDir, false, PeftModelForCausalLM.class);
    }

    /** Loads base and adapter from a local folder or a Hub repo id, for inference. */
    public static PeftModelForCausalLM fromPretrained(String nameOrPath) {
        return AutoPeftModel.fromPretrained(nameOrPath, false, PeftModelForCausalLM.class);
    }

    /**
     * PEFT's {@code from_pretrained(path, is_trainable=True)}: with {@code isTrainable} the adapter's weights train
     * (to fine-tune further); without, they are frozen for inference.
     */
    public static PeftModelForCausalLM fromPretrained(Path adapterDir, boolean isTrainable) {
        return AutoPeftModel.fromPretrained(adapterDir, isTrainable, PeftModelForCausalLM.class);
    }
}
