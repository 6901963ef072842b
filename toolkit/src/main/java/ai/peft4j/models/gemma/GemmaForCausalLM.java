package ai.peft4j.models.gemma;

import ai.peft4j.models.llama.LlamaFamilyForCausalLM;
import java.nio.file.Path;

/**
 * transformers' {@code GemmaForCausalLM}: Llama's blocks with {@code (1 + w)} RMS norms, embeddings scaled by {@code
 * sqrt(hidden_size)}, a GeGLU MLP, a head size of its own and, by default, a tied {@code lm_head}.
 *
 * <pre>{@code
 * GemmaForCausalLM lm = GemmaForCausalLM.fromPretrained(Path.of("gemma-2b"));
 * GemmaForCausalLM shape = new GemmaForCausalLM(GemmaConfig.named("google/gemma-2b"));   // no weights
 * }</pre>
 */
public class GemmaForCausalLM extends LlamaFamilyForCausalLM<GemmaConfig> {

    /** The architecture, with no weights allocated. */
    public GemmaForCausalLM(GemmaConfig config) {
        super(config);
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights). */
    public static GemmaForCausalLM fromPretrained(Path dir) {
        return withWeightsFrom(new GemmaForCausalLM(GemmaConfig.fromPretrained(dir)), dir);
    }
}
