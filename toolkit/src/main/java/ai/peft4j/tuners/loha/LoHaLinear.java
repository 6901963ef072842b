package ai.peft4j.tuners.loha;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.peft4j.nn.Scalars;
import ai.peft4j.tuners.lycoris.LycorisLayer;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * PEFT 0.10's {@code loha.Linear}: a linear base layer plus, per adapter,
 *
 * <pre>
 *   ΔW = (hada_w1_a · hada_w1_b) ⊙ (hada_w2_a · hada_w2_b) · alpha / r,    y = base(x) + x · ΔWᵀ
 * </pre>
 *
 * with {@code hada_w1_a, hada_w2_a: [out, r]} and {@code hada_w1_b, hada_w2_b: [r, in]}. With {@code init_weights}
 * the first three start kaiming-uniform and {@code hada_w2_b} at zero (a no-op); without it all four are
 * kaiming-uniform. {@code rank_dropout} and {@code module_dropout} act in training as in {@link LycorisLayer}.
 *
 * <pre>{@code
 * LoHaLinear layer = new LoHaLinear(baseLinear);
 * layer.updateLayer("default", 4, 8, 0.0, 0.0, false, new Random(0));
 * NDArray dw = layer.deltaWeight("default", manager);   // [out, in]
 * }</pre>
 */
public class LoHaLinear extends LycorisLayer {

    /** PEFT's parameter attributes for linear layers ({@code hada_t1}/{@code hada_t2} are Conv2d-only). */
    public static final List<String> PARAMETER_NAMES = List.of("hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b");

    /** Wraps {@code base}: a peft4j {@code Linear} or an initialized DJL {@code Linear}. */
    public LoHaLinear(Block base) {
        super(base, PARAMETER_NAMES);
    }

    /** PEFT's {@code update_layer}, with its arguments in PEFT's order. */
    public void updateLayer(
            String name,
            int r,
            double alpha,
            double rankDropout,
            double moduleDropout,
            boolean initWeights,
            Random rnd) {
        updateLayer(name, Settings.of(r, alpha, rankDropout, moduleDropout), initWeights, rnd);
    }

    /** Adds adapter {@code name}; factors are drawn from {@code rnd} now. */
    public void updateLayer(String name, Settings settings, boolean initWeights, Random rnd) {
        int r = settings.r();
        Shape w = baseWeightShape();
        long out = w.get(0);
        long in = w.get(1);
        declareAdapter(name, settings, () -> {
            Parameter w1a = addParameter("hada_w1_a", name, new Shape(out, r));
            Parameter w1b = addParameter("hada_w1_b", name, new Shape(r, in));
            Parameter w2a = addParameter("hada_w2_a", name, new Shape(out, r));
            Parameter w2b = addParameter("hada_w2_b", name, new Shape(r, in));
            kaimingUniform(w1a, rnd);
            kaimingUniform(w1b, rnd);
            kaimingUniform(w2a, rnd);
            zerosIfInit(w2b, initWeights, rnd);
        });
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray deltaWeight(String name, Function<Parameter, NDArray> values) {
        NDArray w1 = values.apply(parameter("hada_w1_a", name)).matMul(values.apply(parameter("hada_w1_b", name)));
        NDArray w2 = values.apply(parameter("hada_w2_a", name)).matMul(values.apply(parameter("hada_w2_b", name)));
        return Scalars.mul(w1.mul(w2), settings(name).scaling());
    }
}
