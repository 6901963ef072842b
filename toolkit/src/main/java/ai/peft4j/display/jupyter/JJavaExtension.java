package ai.peft4j.display.jupyter;

import ai.peft4j.display.Display;
import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.Renderer;

/**
 * JJava extension (listed in {@code META-INF/services/org.dflib.jjava.jupyter.Extension}): JJava
 * installs it when the toolkit joins the kernel's class path, and peft4j objects then render as
 * HTML.
 */
public final class JJavaExtension implements Extension {

  /** {@inheritDoc} */
  @Override
  public void install(BaseKernel kernel) {
    register(kernel.getRenderer());
  }

  /** Registers HTML + text renderers for peft4j's types with {@code renderer}. */
  public static void register(Renderer renderer) {
    for (Class<?> type : NotebookDisplay.TYPES) {
      renderer.createRegistration(type)
          .preferring("text/html")
          .supporting("text/plain")
          .register((o, ctx) -> {
            ctx.getOutputContainer().putText(Display.text(o));
            String html = Display.html(o);
            if (html != null) {
              ctx.getOutputContainer().putHTML(html);
            }
          });
    }
  }
}
