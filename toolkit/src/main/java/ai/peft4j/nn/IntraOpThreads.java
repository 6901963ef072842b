package ai.peft4j.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;
import java.util.function.IntToDoubleFunction;

/**
 * libtorch's intra-op thread count (PyTorch's {@code torch.set_num_threads}), chosen by measurement on small machines.
 * On a machine of up to {@value #MAX_TIMED_CORES} cores the fastest count is not always all of them: when other
 * processes share the cores, threads that wait for each other at every op's barrier can make two threads several
 * times slower than one. {@link #configure()} times a training-sized GEMM with each count from 1 to the number of
 * cores, interleaved, and keeps the fastest; on larger machines it keeps libtorch's default. It runs once per JVM.
 *
 * <pre>{@code
 * int threads = IntraOpThreads.configure(); // before training or generating; later calls return the same count
 * }</pre>
 *
 * <p>An explicit setting wins and nothing is timed: {@code -Dpeft4j.num_threads=N} (set to N), or DJL's {@code
 * -Dai.djl.pytorch.num_threads=N}, or {@code OMP_NUM_THREADS} (both applied by libtorch or DJL, kept as they are).
 */
public final class IntraOpThreads {

    /** The system property that sets the count and turns the measurement off. */
    public static final String PROPERTY = "peft4j.num_threads";

    /** Machines with more cores than this keep libtorch's default (one thread per core). */
    public static final int MAX_TIMED_CORES = 4;

    private static final int ROUNDS = 5;
    private static Integer chosen;

    private IntraOpThreads() {}

    /** Sets the intra-op thread count as described above, once per JVM, and returns it. */
    public static synchronized int configure() {
        if (chosen == null) {
            Engine.getInstance(); // loads libtorch
            boolean external = System.getProperty("ai.djl.pytorch.num_threads") != null
                    || System.getenv("OMP_NUM_THREADS") != null;
            int current = JniUtils.getNumThreads();
            chosen = choose(
                    System.getProperty(PROPERTY),
                    external,
                    Runtime.getRuntime().availableProcessors(),
                    current,
                    IntraOpThreads::gemmSeconds);
            if (JniUtils.getNumThreads() != chosen) { // the measurement leaves the last count it timed
                JniUtils.setNumThreads(chosen);
            }
        }
        return chosen;
    }

    /**
     * The decision, apart from libtorch: {@code property} (may be null) wins; an {@code external} setting keeps
     * {@code current}; machines of one core or more than {@value #MAX_TIMED_CORES} keep {@code current}; otherwise the
     * count from 1 to {@code cores} with the lowest of {@value #ROUNDS} interleaved timings by {@code secondsWith}.
     */
    static int choose(String property, boolean external, int cores, int current, IntToDoubleFunction secondsWith) {
        if (property != null) {
            int n;
            try {
                n = Integer.parseInt(property.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(PROPERTY + " must be a positive integer, got '" + property + "'");
            }
            if (n < 1) {
                throw new IllegalArgumentException(PROPERTY + " must be a positive integer, got " + n);
            }
            return n;
        }
        if (external || cores <= 1 || cores > MAX_TIMED_CORES) {
            return current;
        }
        double[] best = new double[cores + 1];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        for (int round = 0; round < ROUNDS; round++) {
            for (int n = 1; n <= cores; n++) { // interleaved, so that a burst of load hits every count alike
                best[n] = Math.min(best[n], secondsWith.applyAsDouble(n));
            }
        }
        int fastest = 1;
        for (int n = 2; n <= cores; n++) {
            if (best[n] < best[fastest]) {
                fastest = n;
            }
        }
        return fastest;
    }

    /** Seconds of one (512, 768) x (768, 3072) fp32 GEMM, an MLP projection of a 4 x 128 batch, with n threads. */
    private static double gemmSeconds(int n) {
        JniUtils.setNumThreads(n);
        try (NDManager m = NDManager.newBaseManager();
                GradMode.Scope off = GradMode.off()) {
            NDArray a = m.ones(new Shape(512, 768));
            NDArray b = m.ones(new Shape(768, 3072));
            a.matMul(b).close(); // first use of this count: thread start-up is not what is measured
            long t0 = System.nanoTime();
            a.matMul(b).close();
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
