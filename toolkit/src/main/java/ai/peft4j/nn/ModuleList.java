package ai.peft4j.nn;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * PyTorch's {@code nn.ModuleList}: children named {@code 0}, {@code 1}, ... that the owner calls
 * in its own forward. It has no forward of its own.
 */
public class ModuleList<B extends Block> extends ModuleBlock {

    private final List<B> items = new ArrayList<>();

    /**
     * {@code nn.ModuleList([make(i) for i in range(n)])}: {@code n} blocks, the i-th made by {@code make}.
     *
     * <pre>{@code
     * layers = addModule("layers", ModuleList.of(config.numHiddenLayers(), i -> new LlamaDecoderLayer(config)));
     * }</pre>
     */
    public static <B extends Block> ModuleList<B> of(int n, IntFunction<? extends B> make) {
        ModuleList<B> list = new ModuleList<>();
        for (int i = 0; i < n; i++) {
            list.add(make.apply(i));
        }
        return list;
    }

    /** Appends a block under the next index and returns it. */
    public B add(B block) {
        addModule(Integer.toString(items.size()), block);
        items.add(block);
        return block;
    }

    /** The block at {@code index}, as currently registered (after any replacement). */
    public B get(int index) {
        return items.get(index);
    }

    public int size() {
        return items.size();
    }

    /** The blocks in order. */
    public List<B> items() {
        return List.copyOf(items);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void onChildReplaced(String name, Block old, Block replacement) {
        // A replacement must keep the element type (e.g. a decoder layer stays a decoder layer).
        items.set(Integer.parseInt(name), (B) replacement);
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("a ModuleList is called through its owner");
    }
}
