package ai.peft4j.models.gemma;

import ai.peft4j.models.ConfigKey;
import ai.peft4j.models.llama.LlamaFamilyConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code GemmaConfig} with its 4.39 names and defaults (256000 tokens, hidden 3072, intermediate
 * 24576, 28 layers, 16 heads of head_dim 256, 8192 positions, tied head, pad 0 / eos 1 / bos 2).
 *
 * <p>The activation: 4.39's {@code GemmaMLP} uses {@code hidden_activation}, or {@code gelu_pytorch_tanh} when it is
 * null, and ignores {@code hidden_act} (gemma-2b's config says {@code "gelu"}, and 4.39 still runs the tanh GELU).
 *
 * <pre>{@code
 * GemmaConfig c = GemmaConfig.named("google/gemma-2b");   // shipped config, no weights
 * GemmaConfig tiny = GemmaConfig.builder().set("hidden_size", 16).set("head_dim", 8).build();
 * }</pre>
 */
public final class GemmaConfig extends LlamaFamilyConfig {

    private static final Defaults DEFAULTS =
            new Defaults(256000, 3072, 24576, 28, 16, 16, "gelu_pytorch_tanh", 8192, 1e-6, true, 2, 1, 0);

    /** 4.39's Gemma reads {@code hidden_act} but never uses it, so any name passes. */
    private static final ConfigKey<String> HIDDEN_ACT_IGNORED =
            ConfigKey.string(HIDDEN_ACT.name(), DEFAULTS.hiddenAct());

    private static final ConfigKey<Integer> HEAD_DIM = ConfigKey.size("head_dim", 256);
    private static final ConfigKey<String> HIDDEN_ACTIVATION = ConfigKey.activation("hidden_activation", null);
    private static final Schema SCHEMA = familySchema(
            "gemma",
            "Gemma",
            "GemmaForCausalLM",
            List.of("google/gemma-2b"),
            DEFAULTS,
            HIDDEN_ACT_IGNORED,
            HEAD_DIM,
            HIDDEN_ACTIVATION);

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public GemmaConfig(ObjectNode json) {
        super(json, SCHEMA);
    }

    /** Reads {@code dir/config.json}. */
    public static GemmaConfig fromPretrained(Path dir) {
        return new GemmaConfig(readJson(dir));
    }

    /** A published configuration shipped with peft4j ({@code google/gemma-2b}): no weights. */
    public static GemmaConfig named(String modelId) {
        return new GemmaConfig(SCHEMA.shippedJson(modelId));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<GemmaConfig> builder() {
        return SCHEMA.builder(GemmaConfig::new);
    }

    /** {@inheritDoc} {@code head_dim}, not derived from the hidden size. */
    @Override
    public int headDim() {
        return get(HEAD_DIM);
    }

    /** {@code hidden_activation}, or null. */
    public String hiddenActivation() {
        return get(HIDDEN_ACTIVATION);
    }

    /** {@inheritDoc} {@code hidden_activation}, else {@code gelu_pytorch_tanh} (see the class comment). */
    @Override
    public String mlpActivation() {
        String activation = hiddenActivation();
        return activation != null ? activation : "gelu_pytorch_tanh";
    }

    /** {@inheritDoc} True: {@code (1 + weight)}. */
    @Override
    public boolean rmsNormUnitOffset() {
        return true;
    }

    /** {@inheritDoc} True: {@code sqrt(hidden_size)}. */
    @Override
    public boolean scalesEmbeddings() {
        return true;
    }
}
