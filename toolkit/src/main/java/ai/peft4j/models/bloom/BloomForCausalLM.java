package ai.peft4j.models.bloom;

import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.SupportsPastKeyValues;
import java.nio.file.Path;

/**
 * transformers' {@code BloomForCausalLM}: the {@code transformer} plus an {@code lm_head} tied to the token
 * embedding (unless {@code tie_word_embeddings} is false).
 *
 * <pre>{@code
 * BloomForCausalLM lm = BloomForCausalLM.fromPretrained(Path.of("bloomz-560m"));
 * CausalLMOutput out = lm.forward(inputIds, attentionMask, labels);   // logits (B, T, V), loss
 * // Architecture only (counts, PEFT reports), or seeded random weights for demos:
 * BloomForCausalLM shape = new BloomForCausalLM(BloomConfig.named("bigscience/bloomz-560m"));
 * }</pre>
 */
public class BloomForCausalLM extends PreTrainedCausalLM implements SupportsPastKeyValues {

    /** The architecture, with no weights allocated. */
    public BloomForCausalLM(BloomConfig config) {
        super(config);
        addDecoder("transformer", new BloomModel(config));
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights, single or sharded, F32/F16/BF16). */
    public static BloomForCausalLM fromPretrained(Path dir) {
        return withWeightsFrom(new BloomForCausalLM(BloomConfig.fromPretrained(dir)), dir);
    }

    /** Seeded random weights, initialised as transformers does (for demos and tests). */
    public static BloomForCausalLM fromConfig(BloomConfig config, long seed) {
        return withSeededWeights(new BloomForCausalLM(config), seed);
    }

    /** {@inheritDoc} */
    @Override
    public BloomConfig config() {
        return (BloomConfig) super.config();
    }

    public BloomModel transformer() {
        return (BloomModel) baseModel();
    }
}
