package ai.peft4j.tuners;

import ai.djl.ndarray.types.Shape;
import ai.peft4j.config.PeftConfigException;
import java.util.Random;

/**
 * The generator that new adapter weights are drawn from, like {@code torch.manual_seed} for
 * PEFT: seed it once in a notebook to make {@code getPeftModel} reproducible.
 *
 * <pre>{@code
 * Initialization.manualSeed(42);
 * }</pre>
 */
public final class Initialization {

    private static Random generator = new Random();

    private Initialization() {}

    /** Reseeds the shared generator. */
    public static synchronized void manualSeed(long seed) {
        generator = new Random(seed);
    }

    /** The shared generator. */
    public static synchronized Random generator() {
        return generator;
    }

    /**
     * The number of values to draw for a new weight of {@code shape}. Its size comes from the
     * adapter config ({@code sizeKeys} names the keys that set it), so a shape too large for a Java
     * array or for the free heap is refused here, with a message, instead of failing with an
     * ArithmeticException or OutOfMemoryError; PEFT would fail to allocate it too.
     *
     * @throws PeftConfigException when the values cannot be held
     */
    public static int drawableLength(Shape shape, String sizeKeys) {
        long n = shape.size();
        Runtime rt = Runtime.getRuntime();
        long freeBytes = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        // Half the free heap at most: a large array needs contiguous space, and the other factor follows.
        if (n > Integer.MAX_VALUE - 8 || 4 * n > freeBytes / 2) {
            throw new PeftConfigException("a new adapter weight of shape " + shape + " needs " + n
                    + " values: more than fit in memory (" + (freeBytes >> 20) + " MiB free). Check "
                    + sizeKeys + " in the adapter config.");
        }
        return (int) n;
    }
}
