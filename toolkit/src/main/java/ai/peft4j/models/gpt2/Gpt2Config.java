package ai.peft4j.models.gpt2;

import ai.peft4j.models.ConfigKey;
import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code GPT2Config}: the fields peft4j reads, with the same names and defaults.
 *
 * <pre>{@code
 * Gpt2Config c = Gpt2Config.named("gpt2");   // shipped config, no weights
 * Gpt2Config tiny = Gpt2Config.builder().set("n_embd", 16).set("n_layer", 2).set("n_head", 2).build();
 * }</pre>
 */
public final class Gpt2Config extends PretrainedConfig {

    private static final ConfigKey<Integer> N_POSITIONS = ConfigKey.size("n_positions", 1024);
    private static final ConfigKey<Integer> N_EMBD =
            ConfigKey.size("n_embd", 768).standsFor(HIDDEN_SIZE);
    private static final ConfigKey<Integer> N_LAYER =
            ConfigKey.layers("n_layer", 12).standsFor(NUM_HIDDEN_LAYERS);
    private static final ConfigKey<Integer> N_HEAD =
            ConfigKey.size("n_head", 12).standsFor(NUM_ATTENTION_HEADS);
    /** Null: 4 × {@code n_embd}. */
    private static final ConfigKey<Integer> N_INNER = ConfigKey.size("n_inner", null);

    private static final ConfigKey<Double> RESID_PDROP = ConfigKey.number("resid_pdrop", 0.1);
    private static final ConfigKey<Double> EMBD_PDROP = ConfigKey.number("embd_pdrop", 0.1);
    private static final ConfigKey<Double> ATTN_PDROP = ConfigKey.number("attn_pdrop", 0.1);
    private static final ConfigKey<Double> LAYER_NORM_EPSILON = ConfigKey.number("layer_norm_epsilon", 1e-5);
    private static final ConfigKey<String> ACTIVATION_FUNCTION = ConfigKey.string("activation_function", "gelu_new")
            .check("gelu_new"::equals, a -> "'" + a + "' is not supported for GPT-2; use gelu_new");
    // Variants of the attention that peft4j does not implement yet; refused at their non-default values.
    private static final ConfigKey<Boolean> SCALE_ATTN_WEIGHTS = ConfigKey.flag("scale_attn_weights", true);
    private static final ConfigKey<Boolean> SCALE_ATTN_BY_INVERSE_LAYER_IDX =
            ConfigKey.flag("scale_attn_by_inverse_layer_idx", false);
    private static final ConfigKey<Boolean> REORDER_AND_UPCAST_ATTN = ConfigKey.flag("reorder_and_upcast_attn", false);

    private static final Schema SCHEMA = Schema.of(
            "gpt2",
            "GPT-2",
            "GPT2LMHeadModel",
            List.of("gpt2"),
            VOCAB_SIZE.defaultsTo(50257),
            BOS_TOKEN_ID.defaultsTo(50256),
            EOS_TOKEN_ID.defaultsTo(50256),
            N_POSITIONS,
            N_EMBD,
            N_LAYER,
            N_HEAD,
            N_INNER,
            RESID_PDROP,
            EMBD_PDROP,
            ATTN_PDROP,
            LAYER_NORM_EPSILON,
            INITIALIZER_RANGE,
            ACTIVATION_FUNCTION,
            SCALE_ATTN_WEIGHTS,
            SCALE_ATTN_BY_INVERSE_LAYER_IDX,
            REORDER_AND_UPCAST_ATTN);

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public Gpt2Config(ObjectNode json) {
        super(json, SCHEMA);
        if (get(N_INNER) == null && 4L * nEmbd() > Integer.MAX_VALUE) {
            throw invalid(
                    "n_embd",
                    "(" + nEmbd() + ") is too large: the MLP's inner size 4 * n_embd must fit in 32 bits; set n_inner");
        }
        requireDivisible(N_EMBD, N_HEAD);
        if (get(SCALE_ATTN_BY_INVERSE_LAYER_IDX) || get(REORDER_AND_UPCAST_ATTN) || !get(SCALE_ATTN_WEIGHTS)) {
            throw new ModelConfigException(
                    "scale_attn_weights",
                    "scale_attn_by_inverse_layer_idx,"
                            + " reorder_and_upcast_attn and scale_attn_weights=false are not supported by peft4j yet");
        }
    }

    /** Reads {@code dir/config.json}. */
    public static Gpt2Config fromPretrained(Path dir) {
        return new Gpt2Config(readJson(dir));
    }

    /** A published configuration shipped with peft4j ({@code gpt2}): the architecture only. */
    public static Gpt2Config named(String modelId) {
        return new Gpt2Config(SCHEMA.shippedJson(modelId));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<Gpt2Config> builder() {
        return SCHEMA.builder(Gpt2Config::new);
    }

    public int nPositions() {
        return get(N_POSITIONS);
    }

    public int nEmbd() {
        return get(N_EMBD);
    }

    public int nLayer() {
        return get(N_LAYER);
    }

    public int nHead() {
        return get(N_HEAD);
    }

    /** The MLP's inner size ({@code n_inner}, else 4 × {@code n_embd}). */
    public int nInner() {
        Integer inner = get(N_INNER);
        return inner != null ? inner : 4 * nEmbd();
    }

    public double residPdrop() {
        return get(RESID_PDROP);
    }

    public double embdPdrop() {
        return get(EMBD_PDROP);
    }

    public double attnPdrop() {
        return get(ATTN_PDROP);
    }

    public double layerNormEpsilon() {
        return get(LAYER_NORM_EPSILON);
    }
}
