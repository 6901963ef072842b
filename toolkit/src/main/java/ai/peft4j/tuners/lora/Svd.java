package ai.peft4j.tuners.lora;

/**
 * A thin singular value decomposition {@code M = U·diag(S)·Vh} of a dense {@code m × n} matrix, in double precision,
 * by one-sided Jacobi rotations (accurate to the last digits, and with no dependency; {@code O(min(m,n)²·max(m,n))}
 * per sweep, so it suits adapter-sized work, not huge matrices). Singular values come sorted, largest first.
 *
 * <p>Each singular pair is fixed up to a common sign; this class makes the entry of largest magnitude of each right
 * singular vector (row of {@code Vh}) positive, which LAPACK (torch) does not promise, so factors can differ from
 * torch's by such signs while {@code U·diag(S)·Vh} agrees.
 */
final class Svd {

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

    /** The decomposition of {@code m} ({@code [rows][cols]}), with {@code k = min(rows, cols)} singular values. */
    static Svd of(double[][] m) {
        int rows = m.length;
        int cols = m[0].length;
        boolean transposed = rows < cols; // rotate the columns of the taller orientation
        int tall = transposed ? cols : rows;
        int k = transposed ? rows : cols;
        // g[c] = column c of the (possibly transposed) matrix, contiguous.
        double[][] g = new double[k][tall];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (transposed) {
                    g[r][c] = m[r][c];
                } else {
                    g[c][r] = m[r][c];
                }
            }
        }
        double[][] v = new double[k][k]; // v[c] = column c of V
        for (int i = 0; i < k; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 80; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < k - 1; p++) {
                for (int q = p + 1; q < k; q++) {
                    double alpha = dot(g[p], g[p]);
                    double beta = dot(g[q], g[q]);
                    double gamma = dot(g[p], g[q]);
                    if (gamma == 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(1 + t * t);
                    double sn = c * t;
                    rotate(g[p], g[q], c, sn);
                    rotate(v[p], v[q], c, sn);
                }
            }
            if (!rotated) {
                break;
            }
        }
        double[] norms = new double[k];
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            norms[i] = Math.sqrt(dot(g[i], g[i]));
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(norms[b], norms[a]));
        // Tall side: g = U'·S (columns), V' orthonormal. Not transposed: U = g/S, Vh = V'ᵀ. Transposed: Mᵀ = U'·S·V'ᵀ,
        // so U = V', Vh = (g/S)ᵀ.
        double[][] uOut = new double[rows][k];
        double[] sOut = new double[k];
        double[][] vhOut = new double[k][cols];
        for (int i = 0; i < k; i++) {
            int src = order[i];
            double sigma = norms[src];
            sOut[i] = sigma;
            double[] unitG = new double[tall];
            for (int j = 0; j < tall; j++) {
                unitG[j] = sigma == 0 ? 0 : g[src][j] / sigma;
            }
            double[] left = transposed ? v[src] : unitG; // length rows
            double[] right = transposed ? unitG : v[src]; // length cols
            double sign = signOfLargest(right);
            for (int r = 0; r < rows; r++) {
                uOut[r][i] = sign * left[r];
            }
            for (int c = 0; c < cols; c++) {
                vhOut[i][c] = sign * right[c];
            }
        }
        return new Svd(uOut, sOut, vhOut);
    }

    private static double signOfLargest(double[] x) {
        double best = 0;
        for (double value : x) {
            if (Math.abs(value) > Math.abs(best)) {
                best = value;
            }
        }
        return best < 0 ? -1 : 1;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** {@code (x, y) ← (c·x − s·y, s·x + c·y)}. */
    private static void rotate(double[] x, double[] y, double c, double s) {
        for (int i = 0; i < x.length; i++) {
            double xi = x[i];
            double yi = y[i];
            x[i] = c * xi - s * yi;
            y[i] = s * xi + c * yi;
        }
    }
}
