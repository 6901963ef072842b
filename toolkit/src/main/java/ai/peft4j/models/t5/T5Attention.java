package ai.peft4j.models.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.Attention;
import ai.peft4j.nn.DirectCallModule;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.Linear;

/**
 * transformers' {@code T5Attention}: bias-free projections {@code q}, {@code k}, {@code v}, {@code o}, scores that are
 * <em>not</em> scaled by {@code 1/sqrt(d_kv)} (T5 folds that into the init), and a learned bias per relative-position
 * bucket and head, {@code relative_attention_bias}, which only the first block of each stack owns; the stack computes
 * the bias once and every block adds it.
 */
public class T5Attention extends DirectCallModule {

    private final boolean isDecoder;
    private final boolean hasRelativeAttentionBias;
    private final int numHeads;
    private final int dKv;
    private final int numBuckets;
    private final int maxDistance;
    private final float dropout;

    public T5Attention(T5Config c, boolean isDecoder, boolean hasRelativeAttentionBias) {
        super("the position bias");
        this.isDecoder = isDecoder;
        this.hasRelativeAttentionBias = hasRelativeAttentionBias;
        numHeads = c.numHeads();
        dKv = c.dKv();
        numBuckets = c.relativeAttentionNumBuckets();
        maxDistance = c.relativeAttentionMaxDistance();
        dropout = (float) c.dropoutRate();
        int inner = c.innerDim();
        addModule("q", new Linear(c.dModel(), inner, false));
        addModule("k", new Linear(c.dModel(), inner, false));
        addModule("v", new Linear(c.dModel(), inner, false));
        addModule("o", new Linear(inner, c.dModel(), false));
        if (hasRelativeAttentionBias) {
            addModule("relative_attention_bias", new Embedding(numBuckets, numHeads, null));
        }
    }

    /** Whether this attention owns {@code relative_attention_bias} (the first block's self-attention). */
    public boolean hasRelativeAttentionBias() {
        return hasRelativeAttentionBias;
    }

    /**
     * transformers' {@code _relative_position_bucket}: the bucket of {@code relative = key - query}. Bidirectional
     * (encoder): half the buckets for keys after the query. Unidirectional (decoder): later keys share bucket 0. Within
     * each half, distances below half its buckets get their own bucket, longer ones share logarithmically wider buckets
     * up to {@code maxDistance}, beyond which all share the last.
     */
    public static int relativePositionBucket(int relative, boolean bidirectional, int numBuckets, int maxDistance) {
        int bucket = 0;
        int n = numBuckets;
        int distance;
        if (bidirectional) {
            n /= 2;
            bucket += relative > 0 ? n : 0;
            distance = Math.abs(relative);
        } else {
            distance = -Math.min(relative, 0);
        }
        int maxExact = n / 2;
        if (distance < maxExact) {
            return bucket + distance;
        }
        // float32 arithmetic, as torch computes it on the float tensor
        float ratio = (float) Math.log((float) distance / maxExact) / (float) Math.log((double) maxDistance / maxExact);
        int large = maxExact + (int) (ratio * (n - maxExact));
        return bucket + Math.min(large, n - 1);
    }

    /**
     * transformers' {@code compute_bias}: {@code (1, H, T, S)} for queries at positions {@code past .. past + T - 1}
     * and keys {@code 0 .. S - 1}, made on {@code manager}.
     *
     * @throws IllegalStateException when this attention has no {@code relative_attention_bias}
     */
    public NDArray computeBias(ParameterStore ps, NDManager manager, int past, int t, int s, boolean training) {
        if (!hasRelativeAttentionBias) {
            throw new IllegalStateException("this T5Attention has no relative_attention_bias");
        }
        int[] buckets = new int[t * s];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < s; j++) {
                buckets[i * s + j] = relativePositionBucket(j - (past + i), !isDecoder, numBuckets, maxDistance);
            }
        }
        NDArray ids = manager.create(buckets, new Shape(t, s)).toType(DataType.INT64, false);
        NDArray values = call("relative_attention_bias", ps, training, ids); // (T, S, H)
        return values.transpose(2, 0, 1).expandDims(0);
    }

    /**
     * What one attention call attends to besides its hidden states; a {@link T5Block} makes one for its self-attention
     * and one for its cross-attention, and the layer around the attention passes it on as it is.
     *
     * @param keyValueStates the encoder output {@code (B, S, D)} for cross-attention, null for self-attention
     * @param positionBias the relative-position bias plus the additive mask, broadcastable to {@code (B, H, T, S)}
     * @param past this attention's cached {@code (key, value)} or null: for self-attention the new keys are appended
     *     to it, for cross-attention it is used as it is (the encoder's keys never change)
     * @param present receives the keys and values attended to, {@code (B, H, S, d_kv)} each, or null
     */
    public record Context(NDArray keyValueStates, NDArray positionBias, NDList past, NDList present) {}

    /**
     * The attention output {@code (B, T, D)}, before the residual sum.
     *
     * @param h the normed hidden states {@code (B, T, D)}
     * @param context the keys' source, the bias and the cache
     */
    public NDArray forward(ParameterStore ps, NDArray h, Context context, boolean training) {
        NDArray keyValueStates = context.keyValueStates();
        NDList past = context.past();
        NDList present = context.present();
        NDArray q = Attention.splitHeads(call("q", ps, training, h), numHeads, dKv);
        NDList kv;
        if (keyValueStates != null && past != null) {
            kv = Attention.appendPast(past.get(0), past.get(1), null, present); // the encoder's, as cached
        } else {
            NDArray source = keyValueStates != null ? keyValueStates : h;
            kv = Attention.appendPast(
                    Attention.splitHeads(call("k", ps, training, source), numHeads, dKv),
                    Attention.splitHeads(call("v", ps, training, source), numHeads, dKv),
                    past,
                    present);
        }
        NDArray k = kv.get(0);
        NDArray v = kv.get(1);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).add(context.positionBias()); // (B, H, T, S), no scaling
        NDArray probs = scores.toType(DataType.FLOAT32, false).softmax(-1).toType(scores.getDataType(), false);
        probs = Dropout.apply(probs, dropout, training);
        return call("o", ps, training, Attention.mergeHeads(probs.matMul(v)));
    }
}
