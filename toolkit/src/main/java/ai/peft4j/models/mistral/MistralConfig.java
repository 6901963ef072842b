package ai.peft4j.models.mistral;

import ai.peft4j.models.llama.LlamaFamilyConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code MistralConfig} with its 4.39 names and defaults (32000 tokens, hidden 4096, intermediate
 * 14336, 32 layers, 32 heads, 8 key/value heads, silu, 131072 positions, sliding_window 4096, untied head).
 *
 * <p>{@code sliding_window}: a query sees itself and that many earlier keys, as transformers 4.39's eager mask
 * ({@code _prepare_4d_causal_attention_mask}) has it; null means no window.
 *
 * <pre>{@code
 * MistralConfig c = MistralConfig.named("mistralai/Mistral-7B-v0.1");   // shipped config, no weights
 * MistralConfig tiny = MistralConfig.builder().set("hidden_size", 16).set("sliding_window", 3).build();
 * }</pre>
 */
public final class MistralConfig extends LlamaFamilyConfig {

    private static final Defaults DEFAULTS =
            new Defaults(32000, 4096, 14336, 32, 32, 8, "silu", 4096 * 32, 1e-6, false, 1, 2, null);
    private static final Schema SCHEMA = familySchema(
            "mistral", "Mistral", "MistralForCausalLM", List.of("mistralai/Mistral-7B-v0.1"), DEFAULTS, SLIDING_WINDOW);

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public MistralConfig(ObjectNode json) {
        super(json, SCHEMA);
    }

    /** Reads {@code dir/config.json}. */
    public static MistralConfig fromPretrained(Path dir) {
        return new MistralConfig(readJson(dir));
    }

    /** A published configuration shipped with peft4j ({@code mistralai/Mistral-7B-v0.1}): no weights. */
    public static MistralConfig named(String modelId) {
        return new MistralConfig(SCHEMA.shippedJson(modelId));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<MistralConfig> builder() {
        return SCHEMA.builder(MistralConfig::new);
    }

    /** {@inheritDoc} False: 4.39's Mistral has no attention biases and does not read {@code attention_bias}. */
    @Override
    public boolean attentionBias() {
        return false;
    }
}
