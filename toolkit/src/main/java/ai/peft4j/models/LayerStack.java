package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.peft4j.nn.ForwardScope;
import java.util.List;

/**
 * Runs a model's stack of transformer layers the way every architecture here does: each layer in
 * its own {@link ForwardScope} (its temporaries freed as it returns), with its past {@code (key,
 * value)} handed in and, for cached generation, its present one collected.
 */
public final class LayerStack {

    /** One layer's forward pass. */
    @FunctionalInterface
    public interface Layer {
        /**
         * @param past this layer's past {@code (key, value)}, or null
         * @param present receives the keys and values the layer attended to, or null
         */
        NDArray forward(int index, NDArray h, NDList past, NDList present);
    }

    private LayerStack() {}

    /**
     * Runs {@code count} layers from {@code h}. The outputs and the collected keys and values move to
     * the caller's scope (see {@link ForwardScope#keep}); the caller keeps {@code presents} past its
     * own scope with {@link ForwardScope#keepAll}.
     *
     * @param past one {@code (key, value)} per layer, or null
     * @param presents receives one {@code (key, value)} per layer when not null
     * @throws IllegalArgumentException when {@code past} has another number of layers
     */
    public static NDArray run(NDArray h, int count, List<NDList> past, List<NDList> presents, Layer layer) {
        if (past != null && past.size() != count) {
            throw new IllegalArgumentException("past_key_values has " + past.size() + " layers, the model " + count);
        }
        GradientCheckpointing step = GradientCheckpointing.current();
        if (step != null && presents == null) {
            return step.layers(h, count, past, layer); // a training step: seeded, maybe checkpointed
        }
        for (int i = 0; i < count; i++) {
            // Generation's preallocated cache hands each layer the slot its keys and values go into.
            NDList present = presents == null
                    ? null
                    : past != null && past.get(i) instanceof CacheSlot slot ? slot.next() : new NDList(2);
            try (ForwardScope layerScope = ForwardScope.open()) {
                h = layerScope.keep(layer.forward(i, h, past == null ? null : past.get(i), present));
                if (present != null) {
                    present.forEach(layerScope::keep);
                    presents.add(present);
                }
            }
        }
        return h;
    }
}
