package ai.peft4j.display.jupyter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.Peft;
import ai.peft4j.config.TaskType;
import ai.peft4j.tuners.lora.LoraConfig;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Renderers registered in other Java kernels")
class KernelAdaptersTest {

  static final LoraConfig CONFIG =
      Peft.lora().r(16).targets("q_proj", "v_proj").task(TaskType.CAUSAL_LM).build();

  @Test
  @DisplayName("IJava's renderer (jupyter-jvm-basekernel) shows a config as HTML and text")
  void ijava() {
    var renderer = new io.github.spencerpark.jupyter.kernel.display.Renderer();
    IJavaRenderers.register(renderer);
    var data = renderer.render(CONFIG);
    String html = (String) data.getData(io.github.spencerpark.jupyter.kernel.display.mime.MIMEType.TEXT_HTML);
    assertTrue(html.contains("<b>LoraConfig</b>"), html);
    String text = (String) data.getData(io.github.spencerpark.jupyter.kernel.display.mime.MIMEType.TEXT_PLAIN);
    assertTrue(text.startsWith("LoraConfig (LORA, CAUSAL_LM)"), text);
  }

  @Test
  @DisplayName("JJava finds the extension through META-INF/services and it renders HTML")
  void jjava() {
    List<org.dflib.jjava.jupyter.Extension> found = ServiceLoader.load(org.dflib.jjava.jupyter.Extension.class)
        .stream().map(ServiceLoader.Provider::get).toList();
    assertTrue(found.stream().anyMatch(e -> e instanceof JJavaExtension), found.toString());
    var renderer = new org.dflib.jjava.jupyter.kernel.display.Renderer();
    JJavaExtension.register(renderer);
    var data = renderer.render(CONFIG);
    String html = (String) data.getData(org.dflib.jjava.jupyter.kernel.display.mime.MIMEType.TEXT_HTML);
    assertTrue(html.contains("lora_alpha"), html);
  }

  @Test
  @DisplayName("outside a notebook kernel, install() registers nowhere and does not fail")
  void plainJvm() {
    assertEquals(List.of(), NotebookDisplay.install());
  }
}
