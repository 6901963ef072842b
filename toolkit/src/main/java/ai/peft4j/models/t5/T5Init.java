package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import java.util.Map;
import java.util.Random;

/**
 * transformers' {@code T5PreTrainedModel._init_weights} (Mesh TensorFlow's scheme): every matrix gets its own
 * normal deviation, scaled by {@code initializer_factor}, so that activations stay of order one even though T5's
 * attention does not divide its scores by {@code sqrt(d_kv)}. A single deviation for all matrices (what most models
 * use) makes a random T5 too flat or too sharp to learn from.
 */
final class T5Init {

    private T5Init() {}

    /**
     * The deviation transformers draws parameter {@code key} from, or a negative number for a constant fill of {@code
     * -value} (T5's layer norms start at {@code initializer_factor}).
     */
    static double std(T5Config c, String key) {
        double f = c.initializerFactor();
        if (key.equals("shared.weight") || key.equals("lm_head.weight")) {
            return f; // embeddings, and an untied head: N(0, factor²)
        }
        String[] parts = key.split("\\.");
        String module = parts.length > 1 ? parts[parts.length - 2] : "";
        return switch (module) {
            case "layer_norm", "final_layer_norm" -> -f;
            case "q" -> f * Math.pow((double) c.dModel() * c.dKv(), -0.5);
            case "k", "v", "relative_attention_bias", "wi", "wi_0", "wi_1" -> f * Math.pow(c.dModel(), -0.5);
            case "o" -> f * Math.pow((double) c.numHeads() * c.dKv(), -0.5);
            case "wo" -> f * Math.pow(c.dFf(), -0.5);
            default -> throw new IllegalStateException("no T5 initializer for parameter '" + key + "'");
        };
    }

    /** Fills every parameter of {@code model} that has no value yet, in state-dict order, from {@code seed}. */
    static void apply(T5ForConditionalGeneration model, long seed) {
        T5Config c = model.config();
        Random rnd = new Random(seed);
        NDManager m = model.manager();
        for (Map.Entry<String, Parameter> e :
                ModuleTree.uniqueParameters(model).entrySet()) { // a tied parameter comes once, as "shared"
            Parameter p = e.getValue();
            if (p.isInitialized()) {
                continue;
            }
            var shape = ModuleTree.shapeOf(e.getKey(), p);
            double std = std(c, e.getKey());
            NDArray value = std < 0 ? m.full(shape, (float) -std) : Weights.normal(m, shape, 0, std, rnd);
            Weights.assign(e.getKey(), p, value, m);
        }
    }
}
