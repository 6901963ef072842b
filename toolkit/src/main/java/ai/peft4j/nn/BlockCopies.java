package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.Iterator;
import java.util.Map;

/** Deep copies of blocks, weights included (PyTorch's {@code copy.deepcopy} of a module). */
public final class BlockCopies {

    private BlockCopies() {}

    /**
     * A copy of {@code block} with its own weights, on the manager of the original's weights. The
     * toolkit's leaf layers, {@link ModuleList}-free trees of them, and DJL's {@code Linear} can be
     * copied.
     *
     * @throws IllegalArgumentException for a block type that cannot be copied
     */
    public static Block copy(Block block) {
        Block fresh;
        if (block instanceof Linear) {
            Linear l = (Linear) block;
            fresh = new Linear(l.inFeatures(), l.outFeatures(), l.bias() != null);
        } else if (block instanceof Embedding) {
            Embedding e = (Embedding) block;
            fresh = new Embedding(e.numEmbeddings(), e.embeddingDim(), e.paddingIdx());
        } else if (block instanceof LayerNorm) {
            LayerNorm n = (LayerNorm) block;
            fresh = new LayerNorm(n.dim(), n.eps(), n.weight() != null);
        } else if (block instanceof Copyable) {
            fresh = ((Copyable) block).emptyCopy();
        } else if (block instanceof ai.djl.nn.core.Linear) {
            Shape w = ModuleTree.shapeOf(
                    "weight", ModuleTree.directParameters(block).get("weight"));
            boolean bias = ModuleTree.directParameters(block).containsKey("bias");
            fresh = ai.djl.nn.core.Linear.builder()
                    .setUnits(w.get(0))
                    .optBias(bias)
                    .build();
            NDArray any = ModuleTree.directParameters(block).get("weight").getArray();
            fresh.initialize(any.getManager(), any.getDataType(), new Shape(1, w.get(1)));
        } else {
            throw new IllegalArgumentException(
                    "cannot copy a " + block.getClass().getName() + " for modules_to_save; supported:"
                            + " Linear, Embedding, LayerNorm, DJL Linear, and blocks implementing Copyable");
        }
        copyValues(block, fresh);
        return fresh;
    }

    private static void copyValues(Block from, Block to) {
        Map<String, Parameter> src = ModuleTree.namedParameters(from);
        Map<String, Parameter> dst = ModuleTree.namedParameters(to);
        if (!src.keySet().equals(dst.keySet())) {
            throw new IllegalStateException("copy of " + from.getClass().getSimpleName() + " has parameters "
                    + dst.keySet() + " instead of " + src.keySet());
        }
        Iterator<Parameter> it = dst.values().iterator();
        for (Map.Entry<String, Parameter> e : src.entrySet()) {
            Parameter target = it.next();
            if (!e.getValue().isInitialized()) {
                continue;
            }
            NDArray value = e.getValue().getArray();
            NDManager owner = value.getManager();
            NDArray copy = value.duplicate();
            Weights.assign(e.getKey(), target, copy, owner);
        }
    }

    /** A block that can produce an uninitialized copy of its own structure. */
    public interface Copyable {
        /** A new block with the same structure and parameter shapes, weights not yet set. */
        Block emptyCopy();
    }
}
