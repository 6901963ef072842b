package ai.peft4j.display.jupyter;

import ai.peft4j.display.MimeBundle;
import ai.peft4j.display.MimeRenderer;
import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.Renderer;

/**
 * JJava extension (listed in {@code META-INF/services/org.dflib.jjava.jupyter.Extension}): JJava
 * installs it when the toolkit joins the kernel's class path, and peft4j objects then render as
 * in peft4j's own kernel.
 */
public final class JJavaExtension implements Extension {

    /** {@inheritDoc} */
    @Override
    public void install(BaseKernel kernel) {
        register(kernel.getRenderer());
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
