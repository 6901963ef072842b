package ai.peft4j.tuners.lora;

import ai.djl.nn.Parameter;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.nn.Linear;
import ai.peft4j.tuners.Initialization;
import java.util.Random;

/**
 * PEFT's initialisation of new LoRA weights, drawn in Java from a seeded generator:
 *
 * <ul>
 *   <li>{@code true}: A kaiming-uniform with a=√5, i.e. U(−1/√in, 1/√in); B zeros, so a new
 *       adapter starts as the identity change;
 *   <li>{@code "gaussian"}: A normal with standard deviation 1/r; B zeros;
 *   <li>{@code false}: both keep {@code nn.Linear}'s default, U(−1/√fan_in, 1/√fan_in) — a random
 *       non-zero update, used to test merging.
 * </ul>
 */
final class LoraInit {

    private LoraInit() {}

    /** Sets initializers on the A and B weights; they run when the parameters are initialized. */
    static void attach(LoraConfig.InitLoraWeights init, Linear a, Linear b, int r, Random rnd) {
        try {
            draw(init, a, b, r, rnd);
        } catch (OutOfMemoryError e) {
            // The sizes passed the free-heap check but the heap could not hold them after all (fragmented, or
            // filled by earlier layers of the same adapter): the config asks for too much, say so.
            throw new PeftConfigException("the LoRA weights of rank " + r + " for a layer of shape "
                    + a.weight().getShape() + " → " + b.weight().getShape()
                    + " do not fit in memory; check 'r' and 'rank_pattern' in the adapter config, or give the JVM"
                    + " more heap (-Xmx)");
        }
    }

    private static void draw(LoraConfig.InitLoraWeights init, Linear a, Linear b, int r, Random rnd) {
        // Draw now, in a fixed order, so that the values do not depend on when they are allocated.
        long inA = a.inFeatures();
        float[] aValues;
        float[] bValues;
        switch (init) {
            case TRUE:
                aValues = uniform(a.weight(), 1 / Math.sqrt(inA), rnd);
                bValues = new float[length(b.weight())];
                break;
            case GAUSSIAN:
                aValues = gaussian(a.weight(), 1.0 / r, rnd);
                bValues = new float[length(b.weight())];
                break;
            case FALSE:
                aValues = uniform(a.weight(), 1 / Math.sqrt(inA), rnd);
                bValues = uniform(b.weight(), 1 / Math.sqrt(r), rnd);
                break;
            default:
                throw new IllegalArgumentException("init_lora_weights " + init + " is not supported yet");
        }
        set(a.weight(), aValues);
        set(b.weight(), bValues);
    }

    private static float[] uniform(Parameter p, double bound, Random rnd) {
        float[] v = new float[length(p)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }

    private static float[] gaussian(Parameter p, double std, Random rnd) {
        float[] v = new float[length(p)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        return v;
    }

    /** The rank (r or rank_pattern) sets the size: refuse one too large to draw, with a message. */
    private static int length(Parameter p) {
        return Initialization.drawableLength(p.getShape(), "'r' and 'rank_pattern'");
    }

    private static void set(Parameter p, float[] values) {
        p.setInitializer(
                (manager, shape, dataType) -> manager.create(values, shape).toType(dataType, false));
    }
}
