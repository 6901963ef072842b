package ai.peft4j.tuners;

import ai.djl.nn.Block;
import java.util.List;
import java.util.Set;

/**
 * A layer that wraps a base layer and adds one or more named adapters to it (PEFT's {@code
 * BaseTunerLayer}). Generic code (saving, switching, deleting, merging) talks to this interface;
 * each method only decides how its adapter computes.
 */
public interface TunerLayer {

    /** The wrapped layer, registered as the child {@code base_layer}. */
    Block baseLayer();

    /** Adapter names this layer holds, in insertion order. */
    Set<String> adapterNames();

    /** The adapters that take part in forward. */
    List<String> activeAdapters();

    /** Makes {@code names} the active adapters; only they are trainable afterwards. */
    void setActiveAdapters(List<String> names);

    /** Turns every adapter off (forward equals the base layer) or back on. */
    void setAdaptersEnabled(boolean enabled);

    /** Whether adapters are currently switched off. */
    boolean adaptersDisabled();

    /** Removes an adapter; the layer may then hold none. */
    void deleteAdapter(String name);

    /**
     * Adds the adapters' weight change into the base weight. With {@code safe}, the sum is checked
     * for NaN or infinity on a copy before the base weight is touched.
     *
     * @throws IllegalStateException when already merged, or when a safe merge finds broken values
     */
    void merge(List<String> adapterNames, boolean safe);

    /** Subtracts whatever {@link #merge} added. */
    void unmerge();

    /** The adapters currently merged into the base weight (empty when none). */
    List<String> mergedAdapters();

    /** Whether any adapter is merged. */
    default boolean isMerged() {
        return !mergedAdapters().isEmpty();
    }
}
