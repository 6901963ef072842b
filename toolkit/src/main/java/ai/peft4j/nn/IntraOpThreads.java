package ai.peft4j.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;
import java.util.function.IntToDoubleFunction;

/**
 * libtorch's intra-op thread count (PyTorch's {@code torch.set_num_threads}), chosen by measurement on small machines.
 * On a machine of up to {@value #MAX_TIMED_CORES} cores the fastest count is not always all of them: when other
 * processes share the cores, threads that wait for each other at every op's barrier can make two threads several
 * times slower than one. {@link #configure()} times a training-sized GEMM with each count from 1 to the number of
 * cores, interleaved, and keeps the fastest by median; on larger machines it keeps libtorch's default. It runs once per JVM.
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
     * count from 1 to {@code cores} with the lowest median of {@value #ROUNDS} interleaved timings by {@code
     * secondsWith} (a median, not the best: one quiet moment must not pick a count that loses the rest of the time).
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
        double[][] times = new double[cores + 1][ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            for (int n = 1; n <= cores; n++) { // interleaved, so that a burst of load hits every count alike
                times[n][round] = secondsWith.applyAsDouble(n);
            }
        }
        int fastest = 1;
        for (int n = 2; n <= cores; n++) {
            if (median(times[n]) < median(times[fastest])) {
                fastest = n;
            }
        }
        return fastest;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /**
     * Seconds of a training-like sequence with n threads: 8 times a (512, 768) x (768, 768) GEMM (a projection of a 4 x
     * 128 batch), a bias add and a ReLU. Many short ops, as in training, each a parallel region whose threads meet at
     * its end: one large GEMM would hide what those meetings cost when other processes hold the cores.
     */
    private static double gemmSeconds(int n) {
        JniUtils.setNumThreads(n);
        try (NDManager m = NDManager.newBaseManager();
                GradMode.Scope off = GradMode.off()) {
            NDArray x = m.ones(new Shape(512, 768)).mul(0.01f);
            NDArray w = m.ones(new Shape(768, 768)).mul(0.001f);
            NDArray b = m.ones(new Shape(768));
            x.matMul(w).close(); // first use of this count: thread start-up is not what is measured
            long t0 = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                Activation.relu(x.matMul(w).add(b)); // freed with m
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
