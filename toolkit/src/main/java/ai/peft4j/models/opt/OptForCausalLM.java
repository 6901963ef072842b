package ai.peft4j.models.opt;

import ai.peft4j.models.PreTrainedCausalLM;
import java.nio.file.Path;

/**
 * transformers' {@code OPTForCausalLM}: the decoder plus an LM head tied to the token embedding.
 *
 * <pre>{@code
 * try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Path.of("tiny_opt"))) {
 *   CausalLMOutput out = lm.forward(inputIds, attentionMask, labels);   // logits (B, T, V), loss
 * }
 * // Architecture only, seeded random weights (for demos: the outputs mean nothing):
 * OptForCausalLM demo = OptForCausalLM.fromConfig(OptConfig.named("facebook/opt-350m"), 42);
 * }</pre>
 */
public class OptForCausalLM extends PreTrainedCausalLM implements ai.peft4j.models.SupportsPastKeyValues {

    /** The architecture, with no weights allocated (count it, describe it, or load weights into it). */
    public OptForCausalLM(OptConfig config) {
        super(config);
        addDecoder("model", new OptModel(config));
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights). */
    public static OptForCausalLM fromPretrained(Path dir) {
        return withWeightsFrom(new OptForCausalLM(OptConfig.fromPretrained(dir)), dir);
    }

    /** Seeded random weights, initialised as transformers does (for demos and tests). */
    public static OptForCausalLM fromConfig(OptConfig config, long seed) {
        return withSeededWeights(new OptForCausalLM(config), seed);
    }

    /** {@inheritDoc} */
    @Override
    public OptConfig config() {
        return (OptConfig) super.config();
    }

    public OptModel model() {
        return (OptModel) baseModel();
    }
}
