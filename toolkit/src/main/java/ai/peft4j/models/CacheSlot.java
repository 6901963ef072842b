package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * One layer's keys and values in buffers allocated once for the whole generation (as transformers'
 * {@code StaticCache}), positions along axis 2. As a layer's past it holds views of the first
 * {@link #length} positions; {@link #next()} gives the present that {@link Attention#appendPast}
 * writes the new positions into, in place, instead of concatenating a new array every step.
 */
final class CacheSlot extends NDList {

    private final NDArray keys;
    private final NDArray values;
    private long length;
    private boolean written;

    /** A past of {@code length} positions of the buffers, as views; or, with {@code asPast} false, an empty present. */
    private CacheSlot(NDArray keys, NDArray values, long length, boolean asPast) {
        super(2);
        this.keys = keys;
        this.values = values;
        this.length = length;
        if (asPast) {
            add(firstPositions(keys, length));
            add(firstPositions(values, length));
        }
    }

    /**
     * Buffers for {@code capacity} positions holding {@code key} and {@code value} (their axis 2
     * the positions) at the start, owned by {@code buffers}' manager; the slot is their past.
     */
    static CacheSlot holding(NDArray key, NDArray value, long capacity, NDManager buffers) {
        NDArray k = buffers.create(withPositions(key, capacity), key.getDataType(), key.getDevice());
        NDArray v = buffers.create(withPositions(value, capacity), value.getDataType(), value.getDevice());
        long length = key.getShape().get(2);
        k.set(new NDIndex(":, :, :{}", length), key);
        v.set(new NDIndex(":, :, :{}", length), value);
        return new CacheSlot(k, v, length, true);
    }

    private static Shape withPositions(NDArray a, long positions) {
        long[] s = a.getShape().getShape().clone(); // getShape() is the Shape's own array
        s[2] = positions;
        return new Shape(s);
    }

    private static NDArray firstPositions(NDArray buffer, long length) {
        return buffer.get(new NDIndex(":, :, :{}", length));
    }

    /** The empty present for the step after this past. */
    CacheSlot next() {
        return new CacheSlot(keys, values, length, false);
    }

    /**
     * Writes this step's {@code key} and {@code value} after the past positions and adds the views
     * of all positions to this present; false, writing nothing, when they do not fit.
     */
    boolean append(NDArray key, NDArray value) {
        long t = key.getShape().get(2);
        if (!isEmpty()
                || length + t > keys.getShape().get(2)
                || !sameOtherAxes(key, keys)
                || !sameOtherAxes(value, values)) {
            return false;
        }
        NDIndex fresh = new NDIndex(":, :, {}:{}", length, length + t);
        keys.set(fresh, key);
        values.set(fresh, value);
        length += t;
        add(firstPositions(keys, length));
        add(firstPositions(values, length));
        written = true; // now the next step's past
        return true;
    }

    private static boolean sameOtherAxes(NDArray a, NDArray buffer) {
        long[] x = a.getShape().getShape();
        long[] y = buffer.getShape().getShape();
        if (x.length != y.length || a.getDataType() != buffer.getDataType()) {
            return false;
        }
        for (int i = 0; i < x.length; i++) {
            if (i != 2 && x[i] != y[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * As a present: whether {@link #append} wrote this step into the buffers, so that the slot is
     * the next step's past (else it holds plain arrays, if any).
     */
    boolean written() {
        return written;
    }

    /** The positions the buffers hold room for. */
    long capacity() {
        return keys.getShape().get(2);
    }

    /** The buffer the keys are written into (the same array every step). */
    NDArray keyBuffer() {
        return keys;
    }
}
