package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.nn.GradMode;
import java.util.Arrays;
import java.util.Random;

/**
 * The decoding loop behind {@code generate}: one forward pass per new token (over the new tokens
 * only where the model keeps a key/value cache), the next token chosen from the last position's
 * logits as transformers chooses it. Pad prompts of different lengths on the left, as transformers asks for decoder-only
 * models.
 */
public final class Generation {

    /** The logits {@code (B, V)} of the token after {@code ids (B, S)} with {@code mask (B, S)}. */
    @FunctionalInterface
    public interface NextTokenLogits {
        NDArray apply(NDArray ids, NDArray mask);
    }

    private Generation() {}

    /**
     * Continues {@code inputIds (B, T)}; returns {@code (B, T + n)} int64 ids on the inputs' manager,
     * {@code n ≤ maxNewTokens} (fewer when every sequence has ended). A sequence ends at the EOS token;
     * after it, it is filled with the pad token.
     *
     * @param attentionMask 1 for tokens, 0 for (left) padding; null for all ones
     * @param config the settings, token ids already resolved ({@link GenerationConfig#orDefaults}):
     *     without an EOS id every sequence runs to {@code maxNewTokens}; without a pad id ended
     *     sequences are filled with the EOS id, as transformers does
     */
    public static NDArray generate(
            NDArray inputIds, NDArray attentionMask, GenerationConfig config, NextTokenLogits next) {
        if (inputIds.getShape().dimension() != 2) {
            throw new IllegalArgumentException("input ids must be (batch, length), got " + inputIds.getShape());
        }
        int b = Math.toIntExact(inputIds.getShape().get(0));
        int t = Math.toIntExact(inputIds.getShape().get(1));
        int width = t + config.maxNewTokens();
        long[] prompt = inputIds.toType(DataType.INT64, false).toLongArray();
        long[] given = attentionMask == null
                ? null
                : attentionMask.toType(DataType.INT64, false).toLongArray();
        long[] ids = new long[b * width]; // row r holds its prompt, then room for the new tokens
        long[] mask = new long[b * width];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < width; i++) {
                ids[r * width + i] = i < t ? prompt[r * t + i] : 0;
                mask[r * width + i] = i < t && given != null ? given[r * t + i] : 1;
            }
        }
        Integer eos = config.eosTokenId();
        Integer pad = config.padTokenId() != null ? config.padTokenId() : eos;
        boolean[] done = new boolean[b];
        Random rnd = new Random(config.seed());
        int length = t;
        NDManager owner = inputIds.getManager();
        if (next instanceof DecodingCache cache) {
            cache.reserve(width);
        }
        try (GradMode.Scope off = GradMode.off()) {
            while (length < width && !allTrue(done)) {
                long[] chosen = new long[b];
                try (NDManager step = owner.newSubManager()) {
                    NDArray x = step.create(slice(ids, b, width, length), new Shape(b, length));
                    NDArray m = step.create(slice(mask, b, width, length), new Shape(b, length));
                    NDArray out = next.apply(x, m);
                    if (config.doSample()) {
                        int vocab = Math.toIntExact(out.getShape().get(1));
                        float[] logits = out.toType(DataType.FLOAT32, false).toFloatArray();
                        for (int r = 0; r < b; r++) {
                            if (!done[r]) {
                                chosen[r] = sample(Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab), config, rnd);
                            }
                        }
                    } else {
                        // Greedy: the whole batch's argmax on the engine (torch.argmax: the first maximum, NaN
                        // above all), and only one id per row comes back instead of the logits.
                        chosen = out.argMax(1).toType(DataType.INT64, false).toLongArray();
                    }
                    out.close();
                }
                for (int r = 0; r < b; r++) {
                    long token = done[r] ? pad : chosen[r];
                    ids[r * width + length] = token;
                    if (eos != null && token == eos) {
                        done[r] = true;
                    }
                }
                length++;
            }
        }
        return owner.create(slice(ids, b, width, length), new Shape(b, length));
    }

    private static long[] slice(long[] a, int rows, int width, int length) {
        long[] out = new long[rows * length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, r * width, out, r * length, length);
        }
        return out;
    }

    private static boolean allTrue(boolean[] xs) {
        for (boolean x : xs) {
            if (!x) {
                return false;
            }
        }
        return true;
    }

    /** transformers' sampling: temperature, then top-k, then top-p, then a draw from the softmax. */
    static int sample(float[] row, GenerationConfig c, Random rnd) {
        int v = row.length;
        double[] z = new double[v];
        for (int i = 0; i < v; i++) {
            z[i] = row[i] / c.temperature();
        }
        if (c.topK() > 0 && c.topK() < v) {
            double[] sorted = z.clone();
            Arrays.sort(sorted);
            double kth = sorted[v - c.topK()];
            for (int i = 0; i < v; i++) {
                if (z[i] < kth) {
                    z[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        double[] p = softmax(z);
        if (c.topP() < 1.0) {
            // Drop the least likely tokens while their total stays within 1 - top_p; keep at least one.
            Integer[] order = new Integer[v];
            for (int i = 0; i < v; i++) {
                order[i] = i;
            }
            double[] probs = p;
            Arrays.sort(order, (x, y) -> Double.compare(probs[x], probs[y]));
            double cumulative = 0;
            for (int j = 0; j < v - 1; j++) {
                cumulative += p[order[j]];
                if (cumulative > 1 - c.topP()) {
                    break;
                }
                z[order[j]] = Double.NEGATIVE_INFINITY;
            }
            p = softmax(z);
        }
        double u = rnd.nextDouble();
        double acc = 0;
        int last = 0;
        for (int i = 0; i < v; i++) {
            if (p[i] > 0) {
                acc += p[i];
                last = i;
                if (u < acc) {
                    return i;
                }
            }
        }
        return last;
    }

    private static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : z) {
            max = Math.max(max, x);
        }
        double sum = 0;
        double[] p = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
