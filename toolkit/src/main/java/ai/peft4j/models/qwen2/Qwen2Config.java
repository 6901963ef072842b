package ai.peft4j.models.qwen2;

import ai.peft4j.models.ConfigKey;
import ai.peft4j.models.llama.LlamaFamilyConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code Qwen2Config} with its 4.39 names and defaults (151936 tokens, hidden 4096, 32 layers, 32
 * heads, silu, rope_theta 10000, untied head, sliding_window 4096, use_sliding_window false, max_window_layers 28).
 *
 * <p>The sliding window: transformers 4.39's eager Qwen2 masks with {@code sliding_window} whatever {@code
 * use_sliding_window} says (only its flash-attention path reads that flag), so peft4j does the same; with the
 * published Qwen2.5 configs the window equals the context length and never bites.
 *
 * <pre>{@code
 * Qwen2Config c = Qwen2Config.named("Qwen/Qwen2.5-0.5B");   // shipped config, no weights
 * Qwen2Config tiny = Qwen2Config.builder().set("hidden_size", 16).set("num_attention_heads", 4).build();
 * }</pre>
 */
public final class Qwen2Config extends LlamaFamilyConfig {

    private static final Defaults DEFAULTS =
            new Defaults(151936, 4096, 22016, 32, 32, 32, "silu", 32768, 1e-6, false, null, null, null);

    private static final ConfigKey<Boolean> USE_SLIDING_WINDOW = ConfigKey.flag("use_sliding_window", false);
    private static final ConfigKey<Integer> MAX_WINDOW_LAYERS = ConfigKey.int32("max_window_layers", 28);
    private static final Schema SCHEMA = familySchema(
            "qwen2",
            "Qwen2",
            "Qwen2ForCausalLM",
            List.of("Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-1.5B", "Qwen/Qwen2.5-3B"),
            DEFAULTS,
            SLIDING_WINDOW,
            USE_SLIDING_WINDOW,
            MAX_WINDOW_LAYERS);

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public Qwen2Config(ObjectNode json) {
        super(json, SCHEMA);
    }

    /** Reads {@code dir/config.json}. */
    public static Qwen2Config fromPretrained(Path dir) {
        return new Qwen2Config(readJson(dir));
    }

    /** A published configuration shipped with peft4j ({@code Qwen/Qwen2.5-0.5B}, {@code Qwen/Qwen2.5-1.5B}, {@code Qwen/Qwen2.5-3B}): no weights. */
    public static Qwen2Config named(String modelId) {
        return new Qwen2Config(SCHEMA.shippedJson(modelId));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<Qwen2Config> builder() {
        return SCHEMA.builder(Qwen2Config::new);
    }

    /** {@inheritDoc} True: Qwen2's q, k and v projections have biases. */
    @Override
    public boolean qkvBias() {
        return true;
    }

    /** {@inheritDoc} False: {@code o_proj} has none (4.39's Qwen2 does not read {@code attention_bias}). */
    @Override
    public boolean outputBias() {
        return false;
    }

    /** {@code use_sliding_window}: kept and saved; 4.39's eager attention does not read it. */
    public boolean useSlidingWindow() {
        return get(USE_SLIDING_WINDOW);
    }

    /** {@code max_window_layers}: kept and saved; 4.39's eager attention does not read it. */
    public int maxWindowLayers() {
        return get(MAX_WINDOW_LAYERS);
    }
}
