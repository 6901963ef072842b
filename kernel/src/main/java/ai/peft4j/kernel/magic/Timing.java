package ai.peft4j.kernel.magic;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Durations and {@code %timeit} summaries written the way IPython writes them. */
final class Timing {
    private Timing() {}

    private static final String[] UNITS = {"s", "ms", "\u00b5s", "ns"};
    private static final double[] SCALES = {1, 1e3, 1e6, 1e9};

    /**
     * Three significant digits in the largest fitting unit ({@code 1.52 ms}, {@code 2.01 s},
     * {@code 87.3 ns}); a minute or more as {@code 1min 3s}.
     */
    static String format(double seconds) {
        if (seconds >= 60) {
            long rest = Math.round(seconds);
            StringBuilder sb = new StringBuilder();
            long[] lengths = {86400, 3600, 60, 1};
            String[] names = {"d", "h", "min", "s"};
            for (int i = 0; i < lengths.length; i++) {
                long v = rest / lengths[i];
                if (v > 0) {
                    rest %= lengths[i];
                    if (sb.length() > 0) {
                        sb.append(' ');
                    }
                    sb.append(v).append(names[i]);
                }
            }
            return sb.toString();
        }
        int order = 3;
        if (seconds > 0) {
            order = 0; // the largest unit in which the value is at least 1
            while (order < 3 && seconds * SCALES[order] < 1) {
                order++;
            }
        }
        BigDecimal v = new BigDecimal(seconds * SCALES[order]).round(new MathContext(3));
        if (v.compareTo(BigDecimal.valueOf(1000)) >= 0 && order > 0) {
            order--; // 999.7 ms rounds to 1.00 s, not 1e+03 ms
            v = new BigDecimal(seconds * SCALES[order]).round(new MathContext(3));
        }
        if (order == 3 && seconds > 0 && seconds * 1e9 < 0.001) {
            return String.format(Locale.ROOT, "%.3g ns", seconds * 1e9); // the JIT removed the work
        }
        return v.stripTrailingZeros().toPlainString() + " " + UNITS[order];
    }

    /**
     * {@code 3.12 µs ± 21.3 ns per loop (mean ± std. dev. of 7 runs, 100,000 loops each)}.
     *
     * @param runNanos total time of each run
     * @param loops loops per run
     */
    static String timeitSummary(long[] runNanos, long loops) {
        int n = runNanos.length;
        double[] perLoop = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            perLoop[i] = runNanos[i] / 1e9 / loops;
            mean += perLoop[i];
        }
        mean /= n;
        double var = 0;
        for (double v : perLoop) {
            var += (v - mean) * (v - mean);
        }
        double std = n > 1 ? Math.sqrt(var / n) : 0;
        return String.format(
                Locale.ROOT,
                "%s \u00b1 %s per loop (mean \u00b1 std. dev. of %d run%s, %,d loop%s each)",
                format(mean),
                format(std),
                n,
                n == 1 ? "" : "s",
                loops,
                loops == 1 ? "" : "s");
    }
}
