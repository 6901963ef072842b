package ai.peft4j.tuners.lora;

/**
 * A thin singular value decomposition {@code M = U·diag(S)·Vh} of a dense {@code m × n} matrix, in double precision,
 * by one-sided Jacobi rotations (accurate to the last digits, and with no dependency; {@code O(min(m,n)²·max(m,n))}
 * per sweep). Singular values come sorted, largest first. {@link #truncated} gives the top {@code k} of a large matrix
 * by subspace iteration instead, which costs {@code O(m·n·k)} per step.
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

    /** Matrices up to this smaller side are decomposed whole by {@link #truncated}. */
    static final int EXACT_UP_TO = 128;

    /**
     * The top {@code k} singular triplets of {@code m}. Small matrices (smaller side up to {@link #EXACT_UP_TO}, or a
     * {@code k} near it) are decomposed whole; larger ones by block subspace iteration on {@code k} plus oversampling
     * directions (a fixed seed, so the result is repeatable) with a Rayleigh-Ritz step, run until the top {@code k}
     * singular values stop changing (relative 1e-14), which also settles the vectors to about 1e-7.
     */
    static Svd truncated(double[][] m, int k) {
        int rows = m.length;
        int cols = m[0].length;
        int small = Math.min(rows, cols);
        int l = Math.min(small, k + Math.max(k, 10));
        if (small <= EXACT_UP_TO || 2 * l >= small) {
            return of(m).first(k);
        }
        java.util.Random rnd = new java.util.Random(0);
        double[][] omega = new double[cols][l];
        for (double[] row : omega) {
            for (int j = 0; j < l; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        double[][] q = orthonormalColumns(times(m, omega)); // [rows][l]
        double[] previous = null;
        for (int iteration = 0; ; iteration++) {
            double[][] z = orthonormalColumns(transposeTimes(m, q)); // Mᵀ·Q, [cols][l]
            q = orthonormalColumns(times(m, z));
            Svd ritz = of(transposeTimes(q, m)); // Qᵀ·M, [l][cols]
            boolean settled = previous != null && iteration >= 2;
            for (int i = 0; i < k && settled; i++) {
                settled = Math.abs(ritz.s[i] - previous[i]) <= 1e-14 * ritz.s[0];
            }
            if (settled || ritz.s[0] == 0 || iteration == 500) { // 500: a gap so small that the choice is arbitrary
                double[][] u = times(q, ritz.u); // [rows][l]
                return new Svd(u, ritz.s, ritz.vh).first(k);
            }
            previous = ritz.s;
        }
    }

    /** The first {@code k} triplets. */
    Svd first(int k) {
        double[][] uk = new double[u.length][k];
        for (int r = 0; r < u.length; r++) {
            System.arraycopy(u[r], 0, uk[r], 0, k);
        }
        return new Svd(uk, java.util.Arrays.copyOf(s, k), java.util.Arrays.copyOf(vh, k));
    }

    /** {@code a·b}. */
    private static double[][] times(double[][] a, double[][] b) {
        int inner = b.length;
        int cols = b[0].length;
        double[][] out = new double[a.length][cols];
        for (int i = 0; i < a.length; i++) {
            double[] row = out[i];
            for (int k = 0; k < inner; k++) {
                double aik = a[i][k];
                if (aik == 0) {
                    continue;
                }
                double[] bk = b[k];
                for (int j = 0; j < cols; j++) {
                    row[j] += aik * bk[j];
                }
            }
        }
        return out;
    }

    /** {@code aᵀ·b}. */
    private static double[][] transposeTimes(double[][] a, double[][] b) {
        int cols = b[0].length;
        double[][] out = new double[a[0].length][cols];
        for (int k = 0; k < a.length; k++) {
            double[] ak = a[k];
            double[] bk = b[k];
            for (int i = 0; i < ak.length; i++) {
                double aki = ak[i];
                if (aki == 0) {
                    continue;
                }
                double[] row = out[i];
                for (int j = 0; j < cols; j++) {
                    row[j] += aki * bk[j];
                }
            }
        }
        return out;
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    /** The columns of {@code a} made orthonormal by modified Gram-Schmidt, twice (a dependent column becomes 0). */
    private static double[][] orthonormalColumns(double[][] a) {
        int rows = a.length;
        int cols = a[0].length;
        double[][] c = new double[cols][rows]; // columns, contiguous
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                c[j][i] = a[i][j];
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < cols; j++) {
                for (int p = 0; p < j; p++) {
                    double d = dot(c[p], c[j]);
                    for (int i = 0; i < rows; i++) {
                        c[j][i] -= d * c[p][i];
                    }
                }
                double norm = Math.sqrt(dot(c[j], c[j]));
                for (int i = 0; i < rows; i++) {
                    c[j][i] = norm > 1e-300 ? c[j][i] / norm : 0;
                }
            }
        }
        return transpose(c);
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
