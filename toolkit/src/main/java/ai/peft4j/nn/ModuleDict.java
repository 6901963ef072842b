package ai.peft4j.nn;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch's {@code nn.ModuleDict}: children under string keys (PEFT keys them by adapter name,
 * which is why in-memory LoRA keys read {@code lora_A.default.weight}). No forward of its own.
 */
public class ModuleDict<B extends Block> extends ModuleBlock {

    private final Map<String, B> items = new LinkedHashMap<>();

    /** Adds {@code block} under {@code key}. */
    public B put(String key, B block) {
        addModule(key, block);
        items.put(key, block);
        return block;
    }

    /** The block under {@code key}, or null. */
    public B get(String key) {
        return items.get(key);
    }

    /** Removes and returns the block under {@code key}. */
    @SuppressWarnings("unchecked")
    public B remove(String key) {
        items.remove(key);
        return (B) removeModule(key);
    }

    public boolean containsKey(String key) {
        return items.containsKey(key);
    }

    /** A copy of the entries, in insertion order. */
    public Map<String, B> asMap() {
        return new LinkedHashMap<>(items);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void onChildReplaced(String name, Block old, Block replacement) {
        items.put(name, (B) replacement);
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("a ModuleDict is called through its owner");
    }
}
