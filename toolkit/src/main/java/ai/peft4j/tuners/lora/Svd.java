package ai.peft4j.tuners.lora;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.RandomMatrices_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * The top {@code k} singular triplets {@code M ≈ U·diag(S)·Vh} of a dense {@code m × n} matrix, in double precision,
 * on EJML. PEFT's {@code add_weighted_adapter} takes the whole decomposition ({@code torch.linalg.svd}) and keeps the
 * largest {@code k} values; so does this class for matrices whose smaller side is up to {@link #EXACT_UP_TO} (EJML's
 * bidiagonalization and implicit QR). A whole decomposition costs {@code O(m·n·min(m,n))}: over a minute in Java at
 * 2048 × 2048, against seconds for the top 16 alone, so larger ones take the top {@code k} by block subspace
 * iteration (EJML's products, QR and a small SVD), {@code O(m·n·k)} a step. {@code full_matrices} changes only the
 * columns past {@code min(m, n)}, which are never kept, so the thin decomposition gives the same result.
 *
 * <p>Each singular pair is fixed up to a common sign; this class makes the entry of largest magnitude of each right
 * singular vector (row of {@code Vh}) positive, which LAPACK (torch) does not promise, so factors can differ from
 * torch's by such signs while {@code U·diag(S)·Vh} agrees.
 */
final class Svd {

    /** Matrices up to this smaller side are decomposed whole by {@link #truncated}. */
    static final int EXACT_UP_TO = 128;

    /** {@code [m][k]}, column {@code i} the i-th left singular vector. */
    final double[][] u;
    /** {@code [k]}, descending. */
    final double[] s;
    /** {@code [k][n]}, row {@code i} the i-th right singular vector. */
    final double[][] vh;

    private Svd(double[][] u, double[] s, double[][] vh) {
        this.u = u;
        this.s = s;
        this.vh = vh;
    }

    /**
     * The top {@code k} ({@code 1 ≤ k ≤ min(rows, cols)}) singular triplets of {@code m} ({@code [rows][cols]}). Above
     * {@link #EXACT_UP_TO} (and for a {@code k} well below the smaller side) they come from subspace iteration on
     * {@code k} plus oversampling directions (a fixed seed, so the result is repeatable) with a Rayleigh-Ritz step,
     * run until the top {@code k} singular values stop changing (relative 1e-14), which also settles the vectors to
     * about 1e-7.
     */
    static Svd truncated(double[][] m, int k) {
        int rows = m.length;
        int cols = m[0].length;
        int small = Math.min(rows, cols);
        if (k < 1 || k > small) {
            throw new IllegalArgumentException("k = " + k + " is outside 1.." + small);
        }
        DMatrixRMaj a = new DMatrixRMaj(m);
        int l = Math.min(small, k + Math.max(k, 10));
        if (small <= EXACT_UP_TO || 2 * l >= small) {
            return whole(a, null, k);
        }
        DMatrixRMaj omega = RandomMatrices_DDRM.rectangleGaussian(cols, l, 0, 1, new Random(0));
        DMatrixRMaj q = orthonormalColumns(CommonOps_DDRM.mult(a, omega, null)); // [rows][l]
        double[] previous = null;
        for (int iteration = 0; ; iteration++) {
            DMatrixRMaj b = CommonOps_DDRM.multTransA(q, a, null); // Qᵀ·M [l][cols]; its transpose is the next Mᵀ·Q
            Svd ritz = whole(b, q, k); // U lifted by Q
            boolean settled = previous != null && iteration >= 3;
            for (int i = 0; i < k && settled; i++) {
                settled = Math.abs(ritz.s[i] - previous[i]) <= 1e-14 * ritz.s[0];
            }
            if (settled || ritz.s[0] == 0 || iteration == 500) { // 500: a gap so small that the choice is arbitrary
                return ritz;
            }
            previous = ritz.s;
            DMatrixRMaj z = orthonormalColumns(CommonOps_DDRM.transpose(b, null)); // [cols][l]
            q = orthonormalColumns(CommonOps_DDRM.mult(a, z, null));
        }
    }

    /**
     * The top {@code k} triplets of the whole decomposition of {@code a}, with {@code lift·U} for {@code U} where
     * {@code lift} is given.
     */
    private static Svd whole(DMatrixRMaj a, DMatrixRMaj lift, int k) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd(a.numRows, a.numCols, true, true, true);
        if (!svd.decompose(a)) {
            throw new ArithmeticException("the SVD of a " + a.numRows + " x " + a.numCols + " matrix did not converge");
        }
        DMatrixRMaj uAll = svd.getU(null, false); // [rows][min]
        DMatrixRMaj w = svd.getW(null); // [min][min], diagonal
        DMatrixRMaj vhAll = svd.getV(null, true); // [min][cols]
        SingularOps_DDRM.descendingOrder(uAll, false, w, vhAll, true); // EJML leaves them unordered
        if (lift != null) {
            uAll = CommonOps_DDRM.mult(lift, uAll, null);
        }
        int rows = uAll.numRows;
        int cols = vhAll.numCols;
        double[][] u = new double[rows][k];
        double[] s = new double[k];
        double[][] vh = new double[k][cols];
        for (int i = 0; i < k; i++) {
            s[i] = w.get(i, i);
            double largest = 0;
            for (int c = 0; c < cols; c++) {
                if (Math.abs(vhAll.get(i, c)) > Math.abs(largest)) {
                    largest = vhAll.get(i, c);
                }
            }
            double sign = largest < 0 ? -1 : 1;
            for (int c = 0; c < cols; c++) {
                vh[i][c] = sign * vhAll.get(i, c);
            }
            for (int r = 0; r < rows; r++) {
                u[r][i] = sign * uAll.get(r, i);
            }
        }
        return new Svd(u, s, vh);
    }

    /** An orthonormal basis of the span of {@code a}'s columns (Householder QR's thin {@code Q}), as many columns. */
    private static DMatrixRMaj orthonormalColumns(DMatrixRMaj a) {
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(a.numRows, a.numCols);
        if (!qr.decompose(a)) {
            throw new ArithmeticException("the QR decomposition of a " + a.numRows + " x " + a.numCols + " failed");
        }
        return qr.getQ(null, true);
    }
}
