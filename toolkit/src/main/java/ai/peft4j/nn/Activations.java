package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * transformers' {@code ACT2FN} for the activations peft4j's architectures use, by their config names.
 *
 * <pre>{@code
 * UnaryOperator<NDArray> act = Activations.byName("gelu_pytorch_tanh", "hidden_activation");
 * }</pre>
 */
public final class Activations {

    /** The names {@link #byName} knows. */
    public static final List<String> NAMES = List.of("silu", "swish", "gelu", "gelu_new", "gelu_pytorch_tanh", "relu");

    private Activations() {}

    /**
     * The activation transformers' {@code ACT2FN[name]} gives.
     *
     * @param key the config field that named it, for the error
     * @throws IllegalArgumentException naming the field and the supported names when peft4j has no such activation
     */
    public static UnaryOperator<NDArray> byName(String name, String key) {
        switch (name) {
            case "silu":
            case "swish":
                return Activations::silu;
            case "gelu":
                return Activation::gelu; // torch's exact (erf) GELU
            case "gelu_new":
            case "gelu_pytorch_tanh":
                return Activations::geluTanh;
            case "relu":
                return Activation::relu;
            default:
                throw new IllegalArgumentException("config field '" + key + "' is '" + name
                        + "', which peft4j does not support; use one of " + NAMES);
        }
    }

    /** {@code x · sigmoid(x)}. */
    public static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /**
     * The tanh approximation of GELU ({@code gelu_new}, {@code gelu_pytorch_tanh}): {@code 0.5 x (1 + tanh(√(2/π)
     * (x + 0.044715 x³)))}.
     */
    public static NDArray geluTanh(NDArray x) {
        NDArray inner = Scalars.mul(x.add(Scalars.mul(x.mul(x).mul(x), 0.044715)), Math.sqrt(2.0 / Math.PI));
        return Scalars.mul(x, 0.5).mul(inner.tanh().add(1f));
    }
}
