package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Frees the intermediate arrays of a forward pass when the code that made them returns, as PyTorch
 * frees a tensor when its last reference goes.
 *
 * <p>On DJL an op's result lives on the manager of its first operand, so without this every
 * intermediate of a forward pass stays allocated until that manager closes: a training step then
 * holds all of them at once (not just the few that backward needs), and a forward on inputs from a
 * long-lived manager leaks them. Closing an array releases only this handle; autograd keeps what
 * backward needs.
 *
 * <pre>{@code
 * try (ForwardScope scope = ForwardScope.open()) {
 *   NDArray h = layer.forward(ps, x, mask, training);   // arrays made here are closed at the end...
 *   return scope.keep(h);                              // ...except what is kept
 * }
 * }</pre>
 *
 * <p>A kept array moves to the enclosing scope, if there is one, so an outer scope still frees it
 * unless it keeps it too. Keep only arrays made inside this scope: a kept input or parameter would
 * be closed by the enclosing scope. Parameter values fetched with {@code ModuleBlock.value} belong
 * to their {@code ParameterStore} (which may cache a device copy) and are left alone.
 */
public final class ForwardScope implements AutoCloseable {

    private final NDScope scope = new NDScope();
    private final List<NDArray> kept = new ArrayList<>();

    private ForwardScope() {}

    /** Opens a scope on this thread; close it on the same thread (try-with-resources). */
    public static ForwardScope open() {
        return new ForwardScope();
    }

    /**
     * Opens a scope for a forward pass of {@code block}, first allocating its parameters where DJL's
     * own forward would (training, not yet initialised): parameters allocated inside the scope would
     * be closed with it.
     */
    public static ForwardScope open(Block block, ParameterStore ps, boolean training) {
        initialize(block, ps, training);
        return new ForwardScope();
    }

    /** Allocates {@code block}'s parameters where DJL's forward would: in training, when not yet initialised. */
    public static void initialize(Block block, ParameterStore ps, boolean training) {
        if (training && !block.isInitialized()) {
            block.initialize(ps.getManager(), DataType.FLOAT32);
        }
    }

    /** Keeps {@code array} (may be null) past this scope and returns it. */
    public NDArray keep(NDArray array) {
        if (array != null) {
            NDScope.unregister(array);
            kept.add(array);
        }
        return array;
    }

    /** {@link #keep} of every array in {@code lists} (may be null), e.g. each layer's cached keys and values. */
    public <L extends Iterable<NDArray>> List<L> keepAll(List<L> lists) {
        if (lists != null) {
            lists.forEach(list -> list.forEach(this::keep));
        }
        return lists;
    }

    /** Closes every array made in this scope but the kept ones, which move to the enclosing scope. */
    @Override
    public void close() {
        scope.close();
        for (NDArray a : kept) {
            NDScope.register(a);
        }
    }
}
