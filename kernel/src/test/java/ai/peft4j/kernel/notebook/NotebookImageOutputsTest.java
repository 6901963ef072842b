package ai.peft4j.kernel.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Charts and images in a notebook are image outputs")
class NotebookImageOutputsTest {
    @TempDir
    Path tmp;

    static List<String> mimeTypes(JsonNode output) {
        return StreamSupport.stream(((Iterable<String>) () -> output.get("data").fieldNames()).spliterator(), false)
                .sorted()
                .toList();
    }

    @Test
    @DisplayName("an XChart chart is image/png + image/svg+xml; Display.png is image/png")
    void chartsAndPngs() throws Exception {
        Path nb = NotebookRunnerTest.notebook(
                tmp.resolve("charts.ipynb"),
                "var chart = new org.knowm.xchart.XYChartBuilder().width(300).height(200).title(\"Loss\").build();\n"
                        + "chart.addSeries(\"loss\", new double[] {1, 2}, new double[] {2, 1});\n"
                        + "display(chart);\n"
                        + "chart",
                "var img = new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_INT_RGB);\n"
                        + "var out = new java.io.ByteArrayOutputStream();\n"
                        + "javax.imageio.ImageIO.write(img, \"png\", out);\n"
                        + "ai.peft4j.display.Display.png(out.toByteArray())");
        NotebookRunner.Report report = new NotebookRunner().run(nb, nb);
        assertTrue(report.ok(), () -> report.failure().get().describe());

        JsonNode cells = new ObjectMapper().readTree(nb.toFile()).get("cells");
        JsonNode chartOutputs = cells.get(1).get("outputs");
        assertEquals(2, chartOutputs.size(), chartOutputs.toString());
        for (JsonNode o : chartOutputs) {
            assertEquals(List.of("image/png", "image/svg+xml", "text/plain"), mimeTypes(o));
            assertTrue(NotebookRunner.joinSource(o.get("data").get("image/png")).startsWith("iVBORw0KGgo"));
            assertTrue(NotebookRunner.joinSource(o.get("data").get("image/svg+xml"))
                    .startsWith("<svg"));
        }
        assertEquals("display_data", chartOutputs.get(0).get("output_type").asText());
        assertEquals("execute_result", chartOutputs.get(1).get("output_type").asText());

        JsonNode png = cells.get(2).get("outputs").get(0);
        assertEquals(List.of("image/png", "text/plain"), mimeTypes(png));
        assertTrue(NotebookRunner.joinSource(png.get("data").get("text/plain")).startsWith("PNG image ("));
    }
}
