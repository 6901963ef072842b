package ai.peft4j.display.jupyter;

import ai.peft4j.display.Display;
import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.display.Renderer;

/** peft4j's renderers for kernels built on jupyter-jvm-basekernel (IJava). */
public final class IJavaRenderers {

  private IJavaRenderers() {}

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

  /** Finds IJava's kernel through {@code IJava.getKernelInstance()} and registers there. */
  static void registerWithRunningKernel() {
    try {
      Object kernel = Class.forName(NotebookDisplay.IJAVA).getMethod("getKernelInstance").invoke(null);
      if (kernel == null) {
        throw new IllegalStateException("IJava is on the class path but no kernel is running");
      }
      register(((BaseKernel) kernel).getRenderer());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("could not reach IJava's kernel: " + e, e);
    }
  }
}
