package ai.peft4j.tuners.lora;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * PEFT's {@code utils.merge_utils}: the ways {@link WeightedAdapterMerge} combines task tensors (the adapters'
 * factors or weight changes, all of one shape, each given flat), with the weights multiplied in.
 *
 * <ul>
 *   <li>{@link #taskArithmetic}: {@code Σ wᵢ·tᵢ}.
 *   <li>{@link #magnitudePrune}: each tensor keeps its {@code density} share of largest magnitudes, then {@code Σ
 *       wᵢ·tᵢ}.
 *   <li>{@link #ties}: magnitude pruning, a sign elected per entry, then the mean of the weighted values that agree
 *       with it (TIES-Merging).
 *   <li>{@link #dareLinear} / {@link #dareTies}: random pruning that keeps each value with probability {@code
 *       density} and divides the kept ones by it (DARE), then as task arithmetic / TIES.
 * </ul>
 *
 * <pre>{@code
 * double[] merged = MergeUtils.ties(List.of(t1, t2), new double[] {0.7, 1.3}, 0.5, MergeUtils.SignMethod.TOTAL);
 * }</pre>
 */
public final class MergeUtils {

    /** PEFT's {@code majority_sign_method}: how the sign of each entry is elected. */
    public enum SignMethod {
        /** The sign of the sum of the (pruned) values. */
        TOTAL,
        /** The sign held by more of the (pruned) values. */
        FREQUENCY;

        /** PEFT's string. */
        public String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The method PEFT names {@code value}. */
        public static SignMethod fromString(String value) {
            for (SignMethod m : values()) {
                if (m.value().equals(value)) {
                    return m;
                }
            }
            throw new IllegalArgumentException(
                    "Unimplemented mask method \"" + value + "\"; use \"total\" or \"frequency\"");
        }
    }

    private MergeUtils() {}

    /** {@code Σ wᵢ·tᵢ}. */
    public static double[] taskArithmetic(List<double[]> tensors, double[] weights) {
        requireSameShape(tensors, weights);
        double[] out = new double[tensors.get(0).length];
        for (int i = 0; i < tensors.size(); i++) {
            double[] t = tensors.get(i);
            double w = weights[i];
            for (int j = 0; j < out.length; j++) {
                out[j] += t[j] * w;
            }
        }
        return out;
    }

    /** Each tensor pruned to its largest magnitudes, then {@link #taskArithmetic}. */
    public static double[] magnitudePrune(List<double[]> tensors, double[] weights, double density) {
        return taskArithmetic(
                tensors.stream().map(t -> magnitudePrune(t, density)).toList(), weights);
    }

    /** TIES: magnitude pruning, sign election, disjoint mean. */
    public static double[] ties(List<double[]> tensors, double[] weights, double density, SignMethod method) {
        return disjointMerge(
                tensors.stream().map(t -> magnitudePrune(t, density)).toList(), weights, method);
    }

    /** DARE: random pruning with rescaling, then {@link #taskArithmetic}. */
    public static double[] dareLinear(List<double[]> tensors, double[] weights, double density, Random rnd) {
        return taskArithmetic(
                tensors.stream().map(t -> randomPrune(t, density, rnd)).toList(), weights);
    }

    /** DARE then TIES' sign election and disjoint mean. */
    public static double[] dareTies(
            List<double[]> tensors, double[] weights, double density, SignMethod method, Random rnd) {
        return disjointMerge(
                tensors.stream().map(t -> randomPrune(t, density, rnd)).toList(), weights, method);
    }

    /**
     * PEFT's {@code magnitude_based_pruning}: keeps the {@code ⌊density·n⌋} values of largest magnitude (a copy); with
     * {@code density ≥ 1}, everything.
     */
    public static double[] magnitudePrune(double[] t, double density) {
        if (density >= 1) {
            return t;
        }
        int k = (int) (density * t.length); // Python's int(density * numel)
        double[] out = new double[t.length];
        if (k <= 0) {
            return out;
        }
        double[] mags = new double[t.length];
        for (int j = 0; j < t.length; j++) {
            mags[j] = Math.abs(t[j]);
        }
        double[] sorted = mags.clone();
        Arrays.sort(sorted);
        double threshold = sorted[t.length - k]; // the k-th largest magnitude
        int above = 0;
        for (double m : mags) {
            if (m > threshold) {
                above++;
            }
        }
        int tiesLeft = k - above; // entries equal to the threshold that still fit, taken in order
        for (int j = 0; j < t.length; j++) {
            if (mags[j] > threshold || (mags[j] == threshold && tiesLeft-- > 0)) {
                out[j] = t[j];
            }
        }
        return out;
    }

    /**
     * DARE's random pruning: each value kept with probability {@code density} and then divided by it, so that the
     * expected value is unchanged; with {@code density ≥ 1}, everything (no draw).
     */
    public static double[] randomPrune(double[] t, double density, Random rnd) {
        if (density >= 1) {
            return t;
        }
        double[] out = new double[t.length];
        for (int j = 0; j < t.length; j++) {
            if (rnd.nextDouble() < density) {
                out[j] = t[j] / density;
            }
        }
        return out;
    }

    /**
     * PEFT's {@code calculate_majority_sign_mask} and {@code disjoint_merge}: per entry, the elected sign ({@code +1}
     * when the sum, or the count, is {@code ≥ 0}); the weighted values of that sign (zeros never count) summed and
     * divided by how many there are (at least 1).
     */
    static double[] disjointMerge(List<double[]> pruned, double[] weights, SignMethod method) {
        requireSameShape(pruned, weights);
        int n = pruned.get(0).length;
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            double magnitude = 0;
            for (double[] t : pruned) {
                magnitude += method == SignMethod.TOTAL ? t[j] : Math.signum(t[j]);
            }
            double majority = magnitude >= 0 ? 1 : -1;
            double sum = 0;
            int kept = 0;
            for (int i = 0; i < pruned.size(); i++) {
                double v = pruned.get(i)[j];
                if (Math.signum(v) == majority) {
                    sum += v * weights[i];
                    kept++;
                }
            }
            out[j] = sum / Math.max(kept, 1);
        }
        return out;
    }

    private static void requireSameShape(List<double[]> tensors, double[] weights) {
        if (tensors.isEmpty() || tensors.size() != weights.length) {
            throw new IllegalArgumentException(
                    tensors.size() + " task tensors for " + weights.length + " weights: give one weight per tensor");
        }
        int n = tensors.get(0).length;
        for (double[] t : tensors) {
            if (t.length != n) {
                throw new IllegalArgumentException("task tensors of different sizes (" + n + " and " + t.length
                        + "): the adapters must have the same rank for this combination type");
            }
        }
    }
}
