package ai.peft4j.nn;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's {@code torch.no_grad()} for DJL's PyTorch engine.
 *
 * <p>Autograd recording is a per-thread switch in PyTorch. DJL turns it off only on the thread
 * that starts the engine; every other thread (a notebook cell, a worker) starts with it on, and
 * then updating a trainable weight in place fails ("a leaf Variable that requires grad is being
 * used in an in-place operation"). Optimizer steps and evaluation run inside {@link #off()}.
 *
 * <pre>{@code
 * try (GradMode.Scope s = GradMode.off()) {
 *   weight.subi(update);
 * }
 * }</pre>
 */
public final class GradMode {

    private GradMode() {}

    /** Restores the previous mode when closed. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Turns recording off on this thread until the returned scope closes. */
    public static Scope off() {
        if (!isPyTorch()) {
            return () -> {};
        }
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return () -> JniUtils.setGradMode(before);
    }

    /** Whether autograd records on this thread (always true on engines other than PyTorch). */
    public static boolean isEnabled() {
        return !isPyTorch() || JniUtils.isGradMode();
    }

    private static boolean isPyTorch() {
        return "PyTorch".equals(Engine.getInstance().getEngineName());
    }
}
