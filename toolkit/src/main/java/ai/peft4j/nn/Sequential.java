package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.function.UnaryOperator;

/**
 * PyTorch's {@code nn.Sequential}: children {@code 0}, {@code 1}, ... applied in turn, so that the linear layers of
 * PEFT's {@code mlp_head} and {@code transform} get their PyTorch names ({@code mlp_head.0.weight}, {@code
 * mlp_head.2.weight}, ...). Activations are parameter-free children, as in PyTorch.
 */
public class Sequential extends ModuleBlock {

    private int size;

    /** A sequence of {@code blocks}. */
    public Sequential(Block... blocks) {
        for (Block b : blocks) {
            addModule(Integer.toString(size++), b);
        }
    }

    /** The child at {@code index}. */
    public Block get(int index) {
        return namedChildren().get(Integer.toString(index));
    }

    public int size() {
        return size;
    }

    /** Applies every child in order. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        for (int i = 0; i < size; i++) {
            x = call(Integer.toString(i), ps, training, x);
        }
        return x;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    /** {@code nn.ReLU()}. */
    public static ModuleBlock relu() {
        return new Act("ReLU", Activation::relu);
    }

    /** {@code nn.Tanh()}. */
    public static ModuleBlock tanh() {
        return new Act("Tanh", Activation::tanh);
    }

    /** A parameter-free element-wise activation. */
    static final class Act extends ModuleBlock {
        private final String name;
        private final UnaryOperator<NDArray> fn;

        Act(String name, UnaryOperator<NDArray> fn) {
            this.name = name;
            this.fn = fn;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            return new NDList(fn.apply(inputs.singletonOrThrow()));
        }

        @Override
        public String toString() {
            return name + "()";
        }
    }
}
