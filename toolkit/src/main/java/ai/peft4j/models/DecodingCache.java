package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;

/**
 * What cached generation keeps between steps (transformers' {@code past_key_values}): each layer's keys and values of
 * the positions run so far, on a manager of their own that is freed when the next step replaces them. A subclass writes
 * {@link #step}: one forward pass over the new ids against {@link #past()}.
 */
public abstract class DecodingCache implements Generation.NextTokenLogits, AutoCloseable {

    private final NDManager owner;
    private final int arrays;
    private NDManager held;
    private List<NDList> past;
    private long capacity;
    private NDManager buffers;

    /**
     * A cache whose arrays live under sub-managers of {@code owner}.
     *
     * @param arrays how many arrays each layer caches: 2 for {@code (key, value)}, 4 with cross-attention
     */
    protected DecodingCache(NDManager owner, int arrays) {
        this.owner = owner;
        this.arrays = arrays;
    }

    /**
     * Keeps room for {@code positions} positions per layer from the step after the first: the keys
     * and values then go into buffers allocated once, written in place each step, instead of a
     * new, longer array per layer and step. Only for caches of {@code (key, value)} per layer.
     */
    public final void reserve(long positions) {
        capacity = arrays == 2 ? positions : 0;
    }

    /** {@inheritDoc} Runs {@link #step} on the ids not cached yet and holds what it reports for the next step. */
    @Override
    public final NDArray apply(NDArray ids, NDArray mask) {
        List<NDList> presents = new ArrayList<>();
        NDArray logits = step(uncached(ids), mask, presents);
        hold(presents);
        return logits;
    }

    /**
     * One forward pass: the next-token logits {@code (B, V)} of {@code fresh (B, T')}, attending to {@link #past()}
     * too; each layer's keys and values, past included, are added to {@code presents}.
     *
     * @param mask the attention mask over all positions, past included
     */
    protected abstract NDArray step(NDArray fresh, NDArray mask, List<NDList> presents);

    /** The keys and values held for the next step, one list per layer, or null. */
    protected final List<NDList> past() {
        return past;
    }

    /** The positions held for the next step; 0 when nothing is cached. */
    protected final long pastLength() {
        return past == null ? 0 : past.get(0).get(0).getShape().get(2);
    }

    /** The ids {@code (B, T)} whose keys and values are not held yet: the new ones. */
    private NDArray uncached(NDArray ids) {
        long cached = pastLength();
        return cached == 0 ? ids : ids.get(new NDIndex(":, {}:", cached));
    }

    /**
     * Holds {@code presents} as the next step's past, freeing the previous one. When a layer reported fewer arrays
     * than it should (an attention module replaced by one that keeps no cache), nothing is held and the next step
     * runs the whole sequence.
     */
    private void hold(List<NDList> presents) {
        NDManager next = owner.newSubManager();
        boolean complete = presents.size() > 0 && presents.stream().allMatch(kv -> kv.size() == arrays);
        if (complete) {
            presents.forEach(kv -> kv.attach(next));
            inBuffers(presents);
        }
        NDManager previous = held;
        held = next;
        past = complete ? presents : null;
        if (previous != null) {
            previous.close();
        }
    }

    /** Moves the layers' keys and values that are not in preallocated buffers yet into new ones, when reserved. */
    private void inBuffers(List<NDList> presents) {
        for (int i = 0; i < presents.size(); i++) {
            NDList kv = presents.get(i);
            if (kv instanceof CacheSlot slot && slot.written()) {
                continue;
            }
            long length = kv.get(0).getShape().get(2);
            if (capacity <= length || kv.get(0).getShape().dimension() != 4) {
                continue;
            }
            if (buffers == null) {
                buffers = owner.newSubManager();
            }
            presents.set(i, CacheSlot.holding(kv.get(0), kv.get(1), capacity, buffers));
            kv.forEach(NDArray::close);
        }
    }

    @Override
    public void close() {
        if (held != null) {
            held.close();
            held = null;
        }
        if (buffers != null) {
            buffers.close();
            buffers = null;
        }
    }
}
