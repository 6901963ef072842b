package ai.peft4j.tuners.lokr;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.peft4j.tuners.lycoris.LycorisLayer;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * PEFT 0.10's {@code lokr.Linear}: a linear base layer plus, per adapter, {@code ΔW = kron(w1, w2)}, where the
 * output and input sizes are split by {@link #factorization} into {@code out = a·b}, {@code in = c·d}, and
 *
 * <ul>
 *   <li>{@code w1 [a, c]} is {@code lokr_w1}, or {@code lokr_w1_a [a, r] @ lokr_w1_b [r, c]} when
 *       {@code decompose_both} and {@code r < max(a, c) / 2};
 *   <li>{@code w2 [b, d]} is {@code lokr_w2}, or {@code lokr_w2_a [b, r] @ lokr_w2_b [r, d]} when
 *       {@code r < max(b, d) / 2}.
 * </ul>
 *
 * <p>PEFT 0.10 does <b>not</b> multiply {@code ΔW} by {@code alpha / r} (its {@code make_kron} is called with the
 * default scale 1; later PEFT versions scale), so {@code alpha} has no effect on the output here either; the scaling
 * is still recorded. With {@code init_weights}, {@code w1} (or {@code w1_a}) starts at zero and the rest
 * kaiming-uniform, so a new adapter is a no-op; without it every factor is kaiming-uniform.
 *
 * <pre>{@code
 * LoKrLinear layer = new LoKrLinear(new Linear(16, 32, true));
 * layer.updateLayer("default", LycorisLayer.Settings.of(1, 1, 0.0, 0.0), false, true, -1, new Random(0));
 * layer.parameter("lokr_w2_a", "default").getShape();   // (8, 1): 32 = 4·8 out, 16 = 4·4 in
 * }</pre>
 */
public class LoKrLinear extends LycorisLayer {

    /** PEFT's parameter attributes ({@code lokr_t2} is Conv2d-only). */
    public static final List<String> PARAMETER_NAMES =
            List.of("lokr_w1", "lokr_w1_a", "lokr_w1_b", "lokr_w2", "lokr_w2_a", "lokr_w2_b");

    /** Wraps {@code base}: a peft4j {@code Linear} or an initialized DJL {@code Linear}. */
    public LoKrLinear(Block base) {
        super(base, PARAMETER_NAMES);
    }

    /**
     * PEFT's {@code factorization(dimension, factor)}: two numbers {@code m <= n} with {@code m·n = dimension}. A
     * positive {@code factor} that divides the dimension gives {@code (factor, dimension / factor)} as is; otherwise
     * divisors are tried upwards from 1 while their sum with the co-divisor does not exceed {@code 1 + dimension} and
     * they do not exceed {@code factor} ({@code -1}: the dimension), so -1 gives the pair nearest the square root.
     */
    public static long[] factorization(long dimension, int factor) {
        if (factor > 0 && dimension % factor == 0) {
            return new long[] {factor, dimension / factor};
        }
        long limit = factor == -1 ? dimension : factor;
        long m = 1;
        long n = dimension;
        long length = m + n; // PEFT never updates this bound
        while (m < n) {
            long newM = m + 1;
            while (dimension % newM != 0) {
                newM++;
            }
            long newN = dimension / newM;
            if (newM + newN > length || newM > limit) {
                break;
            }
            m = newM;
            n = newN;
        }
        return m > n ? new long[] {n, m} : new long[] {m, n};
    }

    /**
     * Adds adapter {@code name} (PEFT's {@code update_layer}, LoKr's two own arguments after the shared ones);
     * factors are drawn from {@code rnd} now.
     */
    public void updateLayer(
            String name,
            Settings settings,
            boolean initWeights,
            boolean decomposeBoth,
            int decomposeFactor,
            Random rnd) {
        int r = settings.r();
        Shape w = baseWeightShape();
        long[] in = factorization(w.get(1), decomposeFactor); // (c, d)
        long[] out = factorization(w.get(0), decomposeFactor); // (a, b)
        boolean useW1 = !(decomposeBoth && r < Math.max(out[0], in[0]) / 2.0);
        boolean useW2 = !(r < Math.max(out[1], in[1]) / 2.0);
        declareAdapter(name, settings, () -> {
            if (useW1) {
                zerosIfInit(addParameter("lokr_w1", name, new Shape(out[0], in[0])), initWeights, rnd);
            } else {
                Parameter w1a = addParameter("lokr_w1_a", name, new Shape(out[0], r));
                Parameter w1b = addParameter("lokr_w1_b", name, new Shape(r, in[0]));
                zerosIfInit(w1a, initWeights, rnd);
                kaimingUniform(w1b, rnd);
            }
            if (useW2) {
                kaimingUniform(addParameter("lokr_w2", name, new Shape(out[1], in[1])), rnd);
            } else {
                kaimingUniform(addParameter("lokr_w2_a", name, new Shape(out[1], r)), rnd);
                kaimingUniform(addParameter("lokr_w2_b", name, new Shape(r, in[1])), rnd);
            }
        });
    }

    /** {@inheritDoc} {@code kron(w1, w2)}, unscaled as in PEFT 0.10. */
    @Override
    protected NDArray deltaWeight(String name, Function<Parameter, NDArray> values) {
        NDArray w1 = factor("lokr_w1", name, values);
        NDArray w2 = factor("lokr_w2", name, values);
        return kron(w1, w2);
    }

    private NDArray factor(String prefix, String name, Function<Parameter, NDArray> values) {
        Parameter full = parameter(prefix, name);
        if (full != null) {
            return values.apply(full);
        }
        return values.apply(parameter(prefix + "_a", name)).matMul(values.apply(parameter(prefix + "_b", name)));
    }

    /** {@code torch.kron} of two matrices: {@code [a, c] ⊗ [b, d] -> [a·b, c·d]}. */
    public static NDArray kron(NDArray w1, NDArray w2) {
        long a = w1.getShape().get(0);
        long c = w1.getShape().get(1);
        long b = w2.getShape().get(0);
        long d = w2.getShape().get(1);
        return w1.reshape(a, 1, c, 1).mul(w2.reshape(1, b, 1, d)).reshape(a * b, c * d);
    }
}
