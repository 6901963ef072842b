package ai.peft4j.models.qwen2;

import ai.peft4j.models.llama.LlamaFamilyForCausalLM;
import java.nio.file.Path;

/**
 * transformers' {@code Qwen2ForCausalLM}: Llama's blocks with biases on {@code q_proj}, {@code k_proj} and {@code
 * v_proj}, and an {@code lm_head} tied to the embedding when {@code tie_word_embeddings} is true (Qwen2.5 up to 3B).
 *
 * <pre>{@code
 * Qwen2ForCausalLM lm = Qwen2ForCausalLM.fromPretrained(Path.of("Qwen2.5-0.5B"));
 * Qwen2ForCausalLM shape = new Qwen2ForCausalLM(Qwen2Config.named("Qwen/Qwen2.5-0.5B"));   // no weights
 * }</pre>
 */
public class Qwen2ForCausalLM extends LlamaFamilyForCausalLM<Qwen2Config> {

    /** The architecture, with no weights allocated. */
    public Qwen2ForCausalLM(Qwen2Config config) {
        super(config);
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights). */
    public static Qwen2ForCausalLM fromPretrained(Path dir) {
        return withWeightsFrom(new Qwen2ForCausalLM(Qwen2Config.fromPretrained(dir)), dir);
    }
}
