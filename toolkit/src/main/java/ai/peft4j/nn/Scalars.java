package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a scalar that is safe under autograd.
 *
 * <p>DJL's {@code x.mul(2f)} (and {@code div}, {@code maximum}, {@code pow} with a {@code
 * Number}) builds the scalar as a tensor over a Java direct buffer and closes it right after the
 * operation. PyTorch's autograd keeps that tensor for the backward pass, so once the garbage
 * collector frees the buffer, gradients are computed from freed memory (measured here: wrong or
 * NaN gradients under GC pressure). These helpers create the scalar inside the engine, on the
 * input's manager, where it lives as long as the step does.
 */
public final class Scalars {

    private Scalars() {}

    /** A 0-d array holding {@code v}, in {@code like}'s dtype, device and manager. */
    public static NDArray like(NDArray like, double v) {
        return like.getManager().full(new Shape(), (float) v, like.getDataType(), like.getDevice());
    }

    /** {@code x * v}. */
    public static NDArray mul(NDArray x, double v) {
        return x.mul(like(x, v));
    }

    /** {@code x / v}. */
    public static NDArray div(NDArray x, double v) {
        return x.div(like(x, v));
    }

    /** {@code max(x, v)} elementwise. */
    public static NDArray maximum(NDArray x, double v) {
        return x.maximum(like(x, v));
    }

    /** {@code x ** v}. */
    public static NDArray pow(NDArray x, double v) {
        return x.pow(like(x, v));
    }
}
