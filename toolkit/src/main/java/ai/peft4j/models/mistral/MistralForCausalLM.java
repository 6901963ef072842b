package ai.peft4j.models.mistral;

import ai.peft4j.models.llama.LlamaFamilyForCausalLM;
import java.nio.file.Path;

/**
 * transformers' {@code MistralForCausalLM}: Llama's blocks with sliding-window attention, applied by the mask in the
 * forward pass and in {@code generate}, whose cache keeps every key as 4.39's {@code DynamicCache} does.
 *
 * <pre>{@code
 * MistralForCausalLM lm = MistralForCausalLM.fromPretrained(Path.of("Mistral-7B-v0.1"));
 * MistralForCausalLM shape = new MistralForCausalLM(MistralConfig.named("mistralai/Mistral-7B-v0.1"));
 * }</pre>
 */
public class MistralForCausalLM extends LlamaFamilyForCausalLM<MistralConfig> {

    /** The architecture, with no weights allocated. */
    public MistralForCausalLM(MistralConfig config) {
        super(config);
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights). */
    public static MistralForCausalLM fromPretrained(Path dir) {
        return withWeightsFrom(new MistralForCausalLM(MistralConfig.fromPretrained(dir)), dir);
    }
}
