package ai.peft4j.display.jupyter;

import ai.peft4j.display.LiveOutputs;
import ai.peft4j.display.LiveTrainingDisplay;
import ai.peft4j.display.MimeBundle;
import ai.peft4j.display.MimeRenderer;
import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.DisplayStream;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
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

    /** IJava's display stream (jupyter-jvm-basekernel) as {@link LiveOutputs}. */
    static LiveOutputs outputs(DisplayStream display) {
        return KernelOutputs.of(
                DisplayData::new,
                DisplayData::putData,
                DisplayData::setDisplayId,
                display::display,
                display::updateDisplay);
    }

    /**
     * Finds IJava's kernel through {@code IJava.getKernelInstance()}, registers there and installs
     * the {@link LiveTrainingDisplay} on its display stream.
     */
    static void registerWithRunningKernel() {
        try {
            Object kernel = Class.forName(NotebookDisplay.IJAVA)
                    .getMethod("getKernelInstance")
                    .invoke(null);
            if (kernel == null) {
                throw new IllegalStateException("IJava is on the class path but no kernel is running");
            }
            register(((BaseKernel) kernel).getRenderer());
            LiveTrainingDisplay.install(outputs(((BaseKernel) kernel).getIO().display));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not reach IJava's kernel: " + e, e);
        }
    }
}
