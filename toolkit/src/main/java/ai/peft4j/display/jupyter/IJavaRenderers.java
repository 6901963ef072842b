package ai.peft4j.display.jupyter;

import ai.peft4j.display.MimeBundle;
import ai.peft4j.display.MimeRenderer;
import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.display.Renderer;

/** peft4j's renderers for kernels built on jupyter-jvm-basekernel (IJava). */
public final class IJavaRenderers {

    private IJavaRenderers() {}

    /**
     * Registers {@link MimeRenderer} with {@code renderer} for {@link MimeRenderer#RICH_TYPES}: each
     * such value shows every MIME type of its bundle.
     */
    public static void register(Renderer renderer) {
        for (Class<?> type : MimeRenderer.RICH_TYPES) {
            renderer.createRegistration(type)
                    .preferring(MimeBundle.HTML, MimeBundle.PNG, MimeBundle.SVG)
                    .supporting(MimeBundle.TEXT)
                    .register((o, ctx) -> MimeRenderer.standard(o).data().forEach(ctx.getOutputContainer()::putData));
        }
    }

    /** Finds IJava's kernel through {@code IJava.getKernelInstance()} and registers there. */
    static void registerWithRunningKernel() {
        try {
            Object kernel = Class.forName(NotebookDisplay.IJAVA)
                    .getMethod("getKernelInstance")
                    .invoke(null);
            if (kernel == null) {
                throw new IllegalStateException("IJava is on the class path but no kernel is running");
            }
            register(((BaseKernel) kernel).getRenderer());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not reach IJava's kernel: " + e, e);
        }
    }
}
