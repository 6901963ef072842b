package ai.peft4j.display.jupyter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.Peft;
import ai.peft4j.config.TaskType;
import ai.peft4j.display.Displayable;
import ai.peft4j.display.MimeBundle;
import ai.peft4j.tuners.lora.LoraConfig;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

@DisplayName("Renderers registered in other Java kernels")
class KernelAdaptersTest {

    static final LoraConfig CONFIG = Peft.lora()
            .r(16)
            .targets("q_proj", "v_proj")
            .task(TaskType.CAUSAL_LM)
            .build();

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
        List<org.dflib.jjava.jupyter.Extension> found =
                ServiceLoader.load(org.dflib.jjava.jupyter.Extension.class).stream()
                        .map(ServiceLoader.Provider::get)
                        .toList();
        assertTrue(found.stream().anyMatch(e -> e instanceof JJavaExtension), found.toString());
        var renderer = new org.dflib.jjava.jupyter.kernel.display.Renderer();
        JJavaExtension.register(renderer);
        var data = renderer.render(CONFIG);
        String html = (String) data.getData(org.dflib.jjava.jupyter.kernel.display.mime.MIMEType.TEXT_HTML);
        assertTrue(html.contains("lora_alpha"), html);
    }

    static XYChart chart() {
        XYChart chart =
                new XYChartBuilder().width(200).height(120).title("Loss").build();
        chart.addSeries("train loss", new double[] {1, 2}, new double[] {2, 1});
        return chart;
    }

    @Test
    @DisplayName("both kernels show charts as image/png and image/svg+xml, as peft4j's kernel does")
    void charts() {
        var ijava = new io.github.spencerpark.jupyter.kernel.display.Renderer();
        IJavaRenderers.register(ijava);
        var jjava = new org.dflib.jjava.jupyter.kernel.display.Renderer();
        JJavaExtension.register(jjava);
        Map<String, String> expected = Map.of(
                MimeBundle.PNG, "iVBORw0KGgo", // base64 of the PNG signature
                MimeBundle.SVG, "<svg",
                MimeBundle.TEXT, "XYChart \"Loss\" (200×120)");
        expected.forEach((mime, start) -> {
            String fromIJava = (String) ijava.render(chart())
                    .getData(io.github.spencerpark.jupyter.kernel.display.mime.MIMEType.parse(mime));
            String fromJJava = (String)
                    jjava.render(chart()).getData(org.dflib.jjava.jupyter.kernel.display.mime.MIMEType.parse(mime));
            assertTrue(fromIJava.startsWith(start), mime + " from IJava: " + fromIJava);
            assertTrue(fromJJava.startsWith(start), mime + " from JJava: " + fromJJava);
        });
        Displayable d = () -> MimeBundle.png(new byte[] {1, 2}, "tiny");
        assertEquals(
                "AQI=",
                jjava.render(d).getData(org.dflib.jjava.jupyter.kernel.display.mime.MIMEType.parse(MimeBundle.PNG)));
    }

    @Test
    @DisplayName("outside a notebook kernel, install() registers nowhere and does not fail")
    void plainJvm() {
        assertEquals(List.of(), NotebookDisplay.install());
    }

    @Test
    @DisplayName("both kernels' display streams carry the live training display: a display id, then updates under it")
    void liveOutputs() {
        List<String> jjava = new java.util.ArrayList<>();
        var jjavaStream = new org.dflib.jjava.jupyter.kernel.DisplayStream() {
            @Override
            public void display(org.dflib.jjava.jupyter.kernel.display.DisplayData d) {
                jjava.add("display " + d.getDisplayId() + " "
                        + d.getData(org.dflib.jjava.jupyter.kernel.display.mime.MIMEType.TEXT_PLAIN));
            }

            @Override
            public void updateDisplay(String id, org.dflib.jjava.jupyter.kernel.display.DisplayData d) {
                jjava.add("update " + id + " "
                        + d.getData(org.dflib.jjava.jupyter.kernel.display.mime.MIMEType.parse(MimeBundle.PNG)));
            }
        };
        var out = JJavaExtension.outputs(jjavaStream);
        out.display(MimeBundle.text("step 0/8"), "run-1");
        out.update(MimeBundle.png(new byte[] {1, 2}, "step 4/8"), "run-1");
        assertEquals(List.of("display run-1 step 0/8", "update run-1 AQI="), jjava);

        List<String> ijava = new java.util.ArrayList<>();
        var ijavaStream = new io.github.spencerpark.jupyter.kernel.DisplayStream() {
            @Override
            public void display(io.github.spencerpark.jupyter.kernel.display.DisplayData d) {
                ijava.add("display " + d.getDisplayId() + " "
                        + d.getData(io.github.spencerpark.jupyter.kernel.display.mime.MIMEType.TEXT_PLAIN));
            }

            @Override
            public void updateDisplay(String id, io.github.spencerpark.jupyter.kernel.display.DisplayData d) {
                ijava.add("update " + id + " "
                        + d.getData(io.github.spencerpark.jupyter.kernel.display.mime.MIMEType.parse(MimeBundle.PNG)));
            }
        };
        var out2 = IJavaRenderers.outputs(ijavaStream);
        out2.display(MimeBundle.text("step 0/8"), "run-2");
        out2.update(MimeBundle.png(new byte[] {1, 2}, "step 4/8"), "run-2");
        assertEquals(List.of("display run-2 step 0/8", "update run-2 AQI="), ijava);
    }
}
