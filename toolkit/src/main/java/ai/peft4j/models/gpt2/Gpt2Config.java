package ai.peft4j.models.gpt2;

import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.PretrainedConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * transformers' {@code GPT2Config}: the fields peft4j reads, with the same names and defaults.
 *
 * <pre>{@code
 * Gpt2Config c = Gpt2Config.named("gpt2");   // shipped config, no weights
 * Gpt2Config tiny = Gpt2Config.builder().set("n_embd", 16).set("n_layer", 2).set("n_head", 2).build();
 * }</pre>
 */
public final class Gpt2Config extends PretrainedConfig {

    private final int vocabSize;
    private final int nPositions;
    private final int nEmbd;
    private final int nLayer;
    private final int nHead;
    private final int nInner;
    private final double residPdrop;
    private final double embdPdrop;
    private final double attnPdrop;
    private final double layerNormEpsilon;
    private final double initializerRange;

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public Gpt2Config(ObjectNode json) {
        super(json);
        String type = modelType();
        if (type != null && !type.equals("gpt2")) {
            throw new ModelConfigException("model_type", "not a GPT-2 config: model_type is '" + type + "'");
        }
        vocabSize = positive("vocab_size", 50257);
        nPositions = positive("n_positions", 1024);
        nEmbd = positive("n_embd", 768);
        nLayer = layers("n_layer", 12);
        nHead = positive("n_head", 12);
        if (optInteger("n_inner") != null) {
            nInner = positive("n_inner", 0);
        } else if (4L * nEmbd > Integer.MAX_VALUE) {
            throw invalid(
                    "n_embd",
                    "(" + nEmbd + ") is too large: the MLP's inner size 4 * n_embd must fit"
                            + " in 32 bits; set n_inner");
        } else {
            nInner = 4 * nEmbd;
        }
        residPdrop = number("resid_pdrop", 0.1);
        embdPdrop = number("embd_pdrop", 0.1);
        attnPdrop = number("attn_pdrop", 0.1);
        layerNormEpsilon = number("layer_norm_epsilon", 1e-5);
        initializerRange = number("initializer_range", 0.02);
        requireDivisible("n_embd", nEmbd, "n_head", nHead);
        String act = string("activation_function", "gelu_new");
        if (!act.equals("gelu_new")) {
            throw invalid("activation_function", "'" + act + "' is not supported for GPT-2; use gelu_new");
        }
        if (bool("scale_attn_by_inverse_layer_idx", false)
                || bool("reorder_and_upcast_attn", false)
                || !bool("scale_attn_weights", true)) {
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
        return new Gpt2Config(shipped("gpt2", modelId, "gpt2"));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<Gpt2Config> builder() {
        return new Builder<>("gpt2", "GPT2LMHeadModel", Gpt2Config::new);
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int nPositions() {
        return nPositions;
    }

    public int nEmbd() {
        return nEmbd;
    }

    public int nLayer() {
        return nLayer;
    }

    public int nHead() {
        return nHead;
    }

    /** The MLP's inner size ({@code n_inner}, else 4 × {@code n_embd}). */
    public int nInner() {
        return nInner;
    }

    public double residPdrop() {
        return residPdrop;
    }

    public double embdPdrop() {
        return embdPdrop;
    }

    public double attnPdrop() {
        return attnPdrop;
    }

    public double layerNormEpsilon() {
        return layerNormEpsilon;
    }

    public double initializerRange() {
        return initializerRange;
    }
}
