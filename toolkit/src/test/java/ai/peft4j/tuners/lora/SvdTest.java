package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SVD behind the SVD combination types: the top {@code k} triplets, sorted, orthonormal, reconstructing the input,
 * the same from the whole decomposition and from subspace iteration, with one sign convention.
 */
class SvdTest {

    @Test
    void knownValuesAndVectors() {
        // M = P·diag(3, -5, 0.5)·Q with P, Q signed permutations: singular values 5, 3, 0.5, vectors signed unit ones.
        double[][] m = {
            {0, 0, 0, 3}, // e0 · 3 · e3ᵀ
            {0, -5, 0, 0}, // e1 · -5 · e1ᵀ
            {0, 0, 0.5, 0} // e2 · 0.5 · e2ᵀ
        };
        Svd svd = Svd.truncated(m, 2);
        assertEquals(2, svd.s.length);
        assertEquals(5, svd.s[0], 1e-14);
        assertEquals(3, svd.s[1], 1e-14);
        // The largest entry of each row of Vh is positive, so U carries the sign of -5.
        assertArrayEquals(new double[] {0, 1, 0, 0}, svd.vh[0]);
        assertArrayEquals(new double[] {0, 0, 0, 1}, svd.vh[1]);
        assertArrayEquals(new double[] {0, -1, 0}, column(svd.u, 0));
        assertArrayEquals(new double[] {1, 0, 0}, column(svd.u, 1));
    }

    @ParameterizedTest(name = "{0}x{1}, rank {2}, top {3}")
    @CsvSource({
        "16,16,16,16",
        "16,64,16,16",
        "32,16,16,16",
        "24,20,3,20",
        "5,40,2,5",
        "1,7,1,1",
        "7,1,1,1",
        "40,30,30,7",
        "30,50,30,1",
        "200,150,150,150"
    })
    void decomposesAndTruncates(int rows, int cols, int rank, int k) {
        double[][] m =
                product(randomMatrix(rows, rank, rows * 31L + cols), randomMatrix(rank, cols, rows + 17L * cols));
        int small = Math.min(rows, cols);
        Svd all = Svd.truncated(m, small);
        Svd top = Svd.truncated(m, k);
        assertEquals(small, all.s.length);
        assertEquals(k, top.s.length);
        assertEquals(rows, top.u.length);
        assertEquals(k, top.u[0].length);
        assertEquals(cols, top.vh[0].length);
        for (int i = 0; i + 1 < small; i++) {
            assertTrue(all.s[i] >= all.s[i + 1], "descending");
        }
        for (int i = rank; i < small; i++) {
            assertEquals(0, all.s[i], 1e-9 * all.s[0], "rank " + rank + " has no " + (i + 1) + "th singular value");
        }
        double tolerance = 1e-12 * all.s[0];
        assertClose(m, reconstruct(all), tolerance, "U S Vh of the whole decomposition");
        for (int i = 0; i < k; i++) {
            assertEquals(all.s[i], top.s[i], tolerance, "the top " + k + " are the first of all");
        }
        // Eckart-Young: the rank-k product leaves exactly the dropped singular values (Frobenius).
        double[][] approx = reconstruct(top);
        double residual = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                residual += (m[i][j] - approx[i][j]) * (m[i][j] - approx[i][j]);
            }
        }
        double dropped = 0;
        for (int i = k; i < small; i++) {
            dropped += all.s[i] * all.s[i];
        }
        assertEquals(dropped, residual, 1e-10 * all.s[0] * all.s[0], "residual of the rank-" + k + " product");
        assertOrthonormal(top, Math.min(k, rank));
    }

    @ParameterizedTest(name = "{0}x{1}, top {2}, noise {3}")
    @CsvSource({"300,200,4,0.01", "200,300,3,0.1", "260,260,6,0", "400,150,2,0.5", "150,400,16,0.05"})
    void subspaceIterationMatchesTheWholeDecomposition(int rows, int cols, int k, double noise) {
        Random rnd = new Random(rows + 7L * cols);
        double[][] m = new double[rows][cols];
        for (int q = 0; q < 12; q++) { // a decaying spectrum plus noise, as a pruned sum of LoRA deltas looks
            double[] x = new double[rows];
            double[] y = new double[cols];
            for (int i = 0; i < rows; i++) {
                x[i] = rnd.nextGaussian();
            }
            for (int j = 0; j < cols; j++) {
                y[j] = rnd.nextGaussian() / (1 + q);
            }
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    m[i][j] += x[i] * y[j] + (q == 0 ? noise * rnd.nextGaussian() : 0);
                }
            }
        }
        assertTrue(Math.min(rows, cols) > Svd.EXACT_UP_TO, "large enough for subspace iteration");
        Svd whole = Svd.truncated(m, Math.min(rows, cols)); // k = min: decomposed whole
        Svd top = Svd.truncated(m, k);
        for (int i = 0; i < k; i++) {
            assertEquals(whole.s[i], top.s[i], 1e-10 * whole.s[0], "singular value " + i);
        }
        double[][] a = reconstructRank(whole, k);
        double[][] b = reconstruct(top);
        assertClose(a, b, 1e-6 * whole.s[0], "rank-" + k + " product");
        for (int q = 0; q < k; q++) { // the same sign convention, so the factors agree too
            for (int j = 0; j < cols; j++) {
                assertEquals(whole.vh[q][j], top.vh[q][j], 1e-6, "Vh " + q + "," + j);
            }
        }
        assertOrthonormal(top, k);
    }

    @Test
    void refusesARankOutsideTheMatrix() {
        double[][] m = randomMatrix(4, 6, 1);
        assertThrows(IllegalArgumentException.class, () -> Svd.truncated(m, 0));
        assertThrows(IllegalArgumentException.class, () -> Svd.truncated(m, 5));
    }

    /** The first {@code k} columns of U and rows of Vh are orthonormal. */
    private static void assertOrthonormal(Svd svd, int k) {
        for (int p = 0; p < k; p++) {
            for (int q = 0; q < k; q++) {
                double uu = 0;
                double vv = 0;
                for (double[] row : svd.u) {
                    uu += row[p] * row[q];
                }
                for (int j = 0; j < svd.vh[p].length; j++) {
                    vv += svd.vh[p][j] * svd.vh[q][j];
                }
                assertEquals(p == q ? 1 : 0, uu, 1e-10, "Uᵀ U at " + p + "," + q);
                assertEquals(p == q ? 1 : 0, vv, 1e-10, "Vh Vhᵀ at " + p + "," + q);
            }
        }
    }

    private static double[][] reconstruct(Svd svd) {
        double[][] us = new double[svd.u.length][svd.s.length];
        for (int i = 0; i < us.length; i++) {
            for (int q = 0; q < svd.s.length; q++) {
                us[i][q] = svd.u[i][q] * svd.s[q];
            }
        }
        return product(us, svd.vh);
    }

    /** {@code U·diag(S)·Vh} of the first {@code k} triplets. */
    private static double[][] reconstructRank(Svd svd, int k) {
        double[][] m = new double[svd.u.length][svd.vh[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int q = 0; q < k; q++) {
                double us = svd.u[i][q] * svd.s[q];
                for (int j = 0; j < m[i].length; j++) {
                    m[i][j] += us * svd.vh[q][j];
                }
            }
        }
        return m;
    }

    private static double[][] randomMatrix(int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        return m;
    }

    private static double[][] product(double[][] a, double[][] b) {
        double[][] out = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                for (int j = 0; j < b[0].length; j++) {
                    out[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return out;
    }

    private static double[] column(double[][] m, int c) {
        double[] out = new double[m.length];
        for (int r = 0; r < m.length; r++) {
            out[r] = m[r][c];
        }
        return out;
    }

    private static void assertArrayEquals(double[] expected, double[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, 1e-14);
    }

    private static void assertClose(double[][] expected, double[][] actual, double tolerance, String what) {
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                assertEquals(expected[i][j], actual[i][j], tolerance, what + " at " + i + "," + j);
            }
        }
    }
}
