package ai.peft4j.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Random;

/**
 * PyTorch's default initialisations ({@code torch.nn.init}, {@code nn.Linear}, {@code
 * nn.Embedding}) drawn from a seeded Java {@link Random}, so that a seed gives the same weights on
 * every run. Values are drawn at once and handed to the parameter's initializer, which puts them on
 * whichever manager and dtype the parameter is later initialised with.
 */
public final class Init {

    private Init() {}

    /** Gives {@code p} N(0, std²) values drawn now from {@code rnd} ({@code nn.Embedding}'s init for std 1). */
    public static void normal(Parameter p, double std, Random rnd) {
        float[] v = new float[drawableLength(p.getShape())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        set(p, v);
    }

    /** Gives {@code p} U(-bound, bound) values drawn now from {@code rnd}. */
    public static void uniform(Parameter p, double bound, Random rnd) {
        float[] v = new float[drawableLength(p.getShape())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
        set(p, v);
    }

    /** {@code nn.Linear}'s default init: weight and bias U(-1/sqrt(in), 1/sqrt(in)). */
    public static Linear linear(long in, long out, Random rnd) {
        Linear l = new Linear(in, out, true);
        double bound = 1 / Math.sqrt(in);
        uniform(l.weight(), bound, rnd);
        uniform(l.bias(), bound, rnd);
        return l;
    }

    /**
     * The number of values a new weight of {@code shape} needs, checked against what a Java array and
     * the free heap can hold: a huge size from a config is a clear error, not an OutOfMemoryError.
     */
    static int drawableLength(Shape shape) {
        long n = shape.size();
        Runtime rt = Runtime.getRuntime();
        long freeBytes = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        // Half the free heap at most: a large array needs contiguous space.
        if (n > Integer.MAX_VALUE - 8 || 4 * n > freeBytes / 2) {
            throw new IllegalArgumentException(
                    "a new weight of shape " + shape + " needs " + n + " values: more than fit in memory ("
                            + (freeBytes >> 20) + " MiB free); check the sizes in the config");
        }
        return (int) n;
    }

    private static void set(Parameter p, float[] values) {
        Shape shape = p.getShape();
        p.setInitializer((manager, s, dataType) -> manager.create(values, shape).toType(dataType, false));
    }
}
