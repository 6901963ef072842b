package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Jacobi SVD behind the SVD combination types: a decomposition, orthonormal, sorted, rank-deficient inputs too. */
class SvdTest {

    @ParameterizedTest(name = "{0}x{1}, rank {2}")
    @CsvSource({"16,16,16", "16,64,16", "32,16,16", "24,20,3", "5,40,2", "1,7,1", "7,1,1"})
    void decomposes(int rows, int cols, int rank) {
        Random rnd = new Random(rows * 31L + cols);
        double[][] l = new double[rows][rank];
        double[][] r = new double[rank][cols];
        for (double[] row : l) {
            for (int j = 0; j < rank; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        for (double[] row : r) {
            for (int j = 0; j < cols; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                for (int k = 0; k < rank; k++) {
                    m[i][j] += l[i][k] * r[k][j];
                }
            }
        }
        Svd svd = Svd.of(m);
        int k = Math.min(rows, cols);
        assertEquals(k, svd.s.length);
        for (int i = 0; i + 1 < k; i++) {
            assertTrue(svd.s[i] >= svd.s[i + 1], "descending");
        }
        for (int i = 0; i < k; i++) {
            if (i >= rank) {
                assertEquals(0, svd.s[i], 1e-9, "rank " + rank + " has no " + (i + 1) + "th singular value");
            }
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double sum = 0;
                for (int q = 0; q < k; q++) {
                    sum += svd.u[i][q] * svd.s[q] * svd.vh[q][j];
                }
                assertEquals(m[i][j], sum, 1e-10, "U S Vh at " + i + "," + j);
            }
        }
        for (int p = 0; p < Math.min(k, rank); p++) { // vectors of non-zero singular values are orthonormal
            for (int q = 0; q < Math.min(k, rank); q++) {
                double uu = 0;
                double vv = 0;
                for (int i = 0; i < rows; i++) {
                    uu += svd.u[i][p] * svd.u[i][q];
                }
                for (int j = 0; j < cols; j++) {
                    vv += svd.vh[p][j] * svd.vh[q][j];
                }
                assertEquals(p == q ? 1 : 0, uu, 1e-10);
                assertEquals(p == q ? 1 : 0, vv, 1e-10);
            }
        }
    }

    @ParameterizedTest(name = "{0}x{1}, top {2}, noise {3}")
    @CsvSource({"300,200,4,0.01", "200,300,3,0.1", "260,260,6,0", "400,150,2,0.5"})
    void truncatedMatchesTheWholeDecomposition(int rows, int cols, int k, double noise) {
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
        Svd whole = Svd.of(m).first(k);
        Svd top = Svd.truncated(m, k);
        for (int i = 0; i < k; i++) {
            assertEquals(whole.s[i], top.s[i], 1e-10 * whole.s[0], "singular value " + i);
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double a = 0;
                double b = 0;
                for (int q = 0; q < k; q++) {
                    a += whole.u[i][q] * whole.s[q] * whole.vh[q][j];
                    b += top.u[i][q] * top.s[q] * top.vh[q][j];
                }
                assertEquals(a, b, 1e-6 * whole.s[0], "rank-" + k + " product at " + i + "," + j);
            }
        }
        for (int q = 0; q < k; q++) { // the same sign convention, so the factors agree too
            for (int j = 0; j < cols; j++) {
                assertEquals(whole.vh[q][j], top.vh[q][j], 1e-6, "Vh " + q + "," + j);
            }
        }
    }
}
