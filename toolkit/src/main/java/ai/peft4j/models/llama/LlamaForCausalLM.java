package ai.peft4j.models.llama;

import java.nio.file.Path;

/**
 * transformers' {@code LlamaForCausalLM}: the {@code model} plus an {@code lm_head}, tied to the
 * token embedding only when {@code tie_word_embeddings} is true (Llama 2 does not tie; Llama 3.2 does).
 *
 * <pre>{@code
 * LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(Path.of("my-llama"));
 * // Architecture only (counts, LoRA reports), or seeded random weights for demos:
 * LlamaForCausalLM shape = new LlamaForCausalLM(LlamaConfig.named("meta-llama/Llama-2-7b-hf"));
 * }</pre>
 */
public class LlamaForCausalLM extends LlamaFamilyForCausalLM<LlamaConfig> {

    /** The architecture, with no weights allocated. */
    public LlamaForCausalLM(LlamaConfig config) {
        super(config);
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights). */
    public static LlamaForCausalLM fromPretrained(Path dir) {
        return withWeightsFrom(new LlamaForCausalLM(LlamaConfig.fromPretrained(dir)), dir);
    }

    /** Seeded random weights, initialised as transformers does (for demos and tests). */
    public static LlamaForCausalLM fromConfig(LlamaConfig config, long seed) {
        return withSeededWeights(new LlamaForCausalLM(config), seed);
    }
}
