package ai.peft4j.models.llama;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code LlamaConfig}: the fields peft4j reads, with the same names and defaults (4.39: 32000 tokens,
 * hidden 4096, 32 layers and heads, silu, untied head), {@code attention_bias}, {@code head_dim} = hidden_size / num_attention_heads (4.39 has no field for it), and
 * {@code rope_scaling} ({@link RopeScaling}: linear,
 * dynamic, and llama3 as transformers 4.43+ computes it). Unknown fields are kept and saved back.
 *
 * <pre>{@code
 * LlamaConfig c = LlamaConfig.named("meta-llama/Llama-3.2-1B");   // shipped config, no weights
 * LlamaConfig tiny = LlamaConfig.builder().set("hidden_size", 16).set("num_hidden_layers", 2).build();
 * }</pre>
 */
public final class LlamaConfig extends LlamaFamilyConfig {

    private static final Defaults DEFAULTS =
            new Defaults(32000, 4096, 11008, 32, 32, null, "silu", 2048, 1e-6, false, 1, 2, null);
    private static final Schema SCHEMA = familySchema(
            "llama",
            "Llama",
            "LlamaForCausalLM",
            List.of("meta-llama/Llama-2-7b-hf", "meta-llama/Llama-3.2-1B"),
            DEFAULTS);

    private final RopeScaling ropeScaling;

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public LlamaConfig(ObjectNode json) {
        super(json, SCHEMA);
        ropeScaling = RopeScaling.parse(json.get("rope_scaling"));
    }

    /** Reads {@code dir/config.json}. */
    public static LlamaConfig fromPretrained(Path dir) {
        return new LlamaConfig(readJson(dir));
    }

    /** A published configuration shipped with peft4j ({@code meta-llama/Llama-2-7b-hf}, {@code meta-llama/Llama-3.2-1B}): no weights. */
    public static LlamaConfig named(String modelId) {
        return new LlamaConfig(SCHEMA.shippedJson(modelId));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<LlamaConfig> builder() {
        return SCHEMA.builder(LlamaConfig::new);
    }

    /** {@inheritDoc} */
    @Override
    public RopeScaling ropeScaling() {
        return ropeScaling;
    }
}
