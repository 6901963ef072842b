package ai.peft4j.display.jupyter;

import ai.peft4j.display.LiveOutputs;
import ai.peft4j.display.LiveTrainingDisplay;
import ai.peft4j.display.MimeBundle;
import ai.peft4j.display.MimeRenderer;
import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.DisplayStream;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;

/**
 * JJava extension (listed in {@code META-INF/services/org.dflib.jjava.jupyter.Extension}): JJava
 * installs it when the toolkit joins the kernel's class path, and peft4j objects then render as
 * in peft4j's own kernel, and trainers show {@link LiveTrainingDisplay}'s live chart (JJava's
 * display stream sends {@code display_data} with a display id and {@code update_display_data}).
 */
public final class JJavaExtension implements Extension {

    /** {@inheritDoc} */
    @Override
    public void install(BaseKernel kernel) {
        register(kernel.getRenderer());
        LiveTrainingDisplay.install(outputs(kernel.getIO().display));
    }

    /** JJava's display stream as {@link LiveOutputs}. */
    static LiveOutputs outputs(DisplayStream display) {
        return KernelOutputs.of(
                DisplayData::new,
                DisplayData::putData,
                DisplayData::setDisplayId,
                display::display,
                display::updateDisplay);
    }

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
}
