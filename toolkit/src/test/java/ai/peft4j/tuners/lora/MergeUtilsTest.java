package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * PEFT's merge_utils rules on small hand-made tensors, and DARE's random pruning, whose torch.bernoulli masks no test
 * can replay: checked by its properties (every value is dropped or divided by the density; the kept share is near the
 * density). The exact numbers of every type against PEFT are in {@link WeightedAdapterFixtureTest}.
 */
@DisplayName("merge_utils: pruning, sign election, disjoint merge, DARE")
class MergeUtilsTest {

    @Test
    @DisplayName("magnitude pruning keeps int(density * n) largest magnitudes")
    void magnitudePrune() {
        double[] t = {0.1, -3, 2, -0.5, 4, 0};
        assertArrayEquals(new double[] {0, -3, 0, 0, 4, 0}, MergeUtils.magnitudePrune(t, 0.4)); // int(2.4) = 2
        assertArrayEquals(new double[] {0, -3, 2, 0, 4, 0}, MergeUtils.magnitudePrune(t, 0.5));
        assertArrayEquals(t, MergeUtils.magnitudePrune(t, 1.0));
    }

    @Test
    @DisplayName("TIES: elected sign by total or by frequency, mean of the agreeing weighted values")
    void ties() {
        double[] a = {5, 1, -2, 0.5};
        double[] b = {-1, 1, 1, -0.5};
        double[] c = {-1, 1, 1, 0};
        double[] w = {1, 2, 1};
        // total: sums 3, 3, 0, 0 -> every elected sign is + (>= 0 counts as +)
        assertArrayEquals(
                new double[] {5, (1 + 2 + 1) / 3.0, (2 + 1) / 2.0, 0.5},
                MergeUtils.ties(List.of(a, b, c), w, 1.0, MergeUtils.SignMethod.TOTAL),
                1e-12);
        // frequency: sign counts -1, 3, 1, 0 -> the first entry elects -, and the zero of c never counts
        assertArrayEquals(
                new double[] {(-2 - 1) / 2.0, 4 / 3.0, 1.5, 0.5},
                MergeUtils.ties(List.of(a, b, c), w, 1.0, MergeUtils.SignMethod.FREQUENCY),
                1e-12);
    }

    @Test
    @DisplayName("DARE: each value dropped or divided by the density; about density of them kept")
    void dareRandomPruning() {
        Random rnd = new Random(7);
        double[] t = new double[20_000];
        for (int i = 0; i < t.length; i++) {
            t[i] = rnd.nextGaussian() + (i % 2 == 0 ? 3 : -3); // never zero
        }
        for (double density : new double[] {0.1, 0.5, 0.9}) {
            double[] pruned = MergeUtils.randomPrune(t, density, new Random(11));
            int kept = 0;
            for (int i = 0; i < t.length; i++) {
                if (pruned[i] != 0) {
                    kept++;
                    assertEquals(t[i] / density, pruned[i], 1e-12, "kept values are rescaled");
                }
            }
            double share = kept / (double) t.length;
            assertTrue(Math.abs(share - density) < 0.02, "kept share " + share + " for density " + density);
        }
        assertArrayEquals(t, MergeUtils.randomPrune(t, 1.0, new Random(1)), "density 1 keeps everything");
    }

    @Test
    @DisplayName("dare_linear and dare_ties merge the pruned tensors as task arithmetic and TIES do")
    void dareMerges() {
        double[] a = new double[4000];
        double[] b = new double[4000];
        Random rnd = new Random(3);
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextGaussian();
            b[i] = rnd.nextGaussian();
        }
        double[] w = {0.7, 1.3};
        double d = 0.6;
        double[] linear = MergeUtils.dareLinear(List.of(a, b), w, d, new Random(5));
        double[] ties = MergeUtils.dareTies(List.of(a, b), w, d, MergeUtils.SignMethod.TOTAL, new Random(5));
        int[] seen = new int[4];
        for (int i = 0; i < a.length; i++) {
            double ka = w[0] * a[i] / d;
            double kb = w[1] * b[i] / d;
            // which of the two values survived: exactly one combination explains the merged value
            int which = -1;
            double[] options = {0, ka, kb, ka + kb};
            for (int o = 0; o < 4; o++) {
                if (Math.abs(linear[i] - options[o]) < 1e-12) {
                    which = o;
                }
            }
            assertTrue(which >= 0, "entry " + i + " is no combination of kept values: " + linear[i]);
            seen[which]++;
            // the same masks (same seed) through TIES: the agreeing kept values' mean
            boolean keptA = (which & 1) != 0;
            boolean keptB = (which & 2) != 0;
            double pa = keptA ? a[i] / d : 0;
            double pb = keptB ? b[i] / d : 0;
            double sign = pa + pb >= 0 ? 1 : -1;
            double sum = 0;
            int n = 0;
            if (Math.signum(pa) == sign) {
                sum += w[0] * pa;
                n++;
            }
            if (Math.signum(pb) == sign) {
                sum += w[1] * pb;
                n++;
            }
            assertEquals(sum / Math.max(n, 1), ties[i], 1e-12, "dare_ties entry " + i);
        }
        double both = seen[3] / (double) a.length;
        assertTrue(Math.abs(both - d * d) < 0.03, "both kept in " + both + " of entries, expected about " + d * d);
    }
}
