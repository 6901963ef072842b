package ai.peft4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notebook 02 (custom models), executed by {@code peft4j-kernel execute} as {@link NotebooksTest}
 * runs it, shows its module trees and its parameter table as rich outputs: {@code text/html} with
 * a {@code text/plain} fallback, not printed text.
 */
@DisplayName("Notebook 02 shows its module tree and parameter table as rich output")
class Notebook02RichOutputsTest {

    @TempDir
    Path work;

    static String text(JsonNode multiline) {
        StringBuilder sb = new StringBuilder();
        if (multiline.isArray()) {
            multiline.forEach(l -> sb.append(l.asText()));
        } else {
            sb.append(multiline.asText());
        }
        return sb.toString();
    }

    /** The single output of the code cell whose source ends with {@code source}. */
    static JsonNode outputOf(JsonNode nb, String source) {
        for (JsonNode cell : nb.get("cells")) {
            if (text(cell.path("source")).strip().endsWith(source)) {
                JsonNode outputs = cell.get("outputs");
                assertEquals(1, outputs.size(), source + ": " + outputs);
                return outputs.get(0);
            }
        }
        throw new AssertionError("no cell " + source);
    }

    @Test
    void moduleTreesAndParameterTableAreHtml() throws Exception {
        NotebooksTest.copyTree(NotebooksTest.notebooksDir(), work);
        Path out = work.resolve("executed.ipynb");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dai.djl.offline=true",
                        "-Xmx4g",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "ai.peft4j.kernel.Main",
                        "execute",
                        work.resolve("02-custom-models.ipynb").toString(),
                        "--output",
                        out.toString(),
                        "--quiet")
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("log.txt").toFile())
                .start();
        boolean finished = p.waitFor(20, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        String log = Files.readString(work.resolve("log.txt"));
        assertTrue(finished, "timed out:\n" + log);
        assertEquals(0, p.exitValue(), log);
        JsonNode nb = new ObjectMapper().readTree(out.toFile());

        JsonNode before = outputOf(nb, "Display.moduleTree(mlp)").get("data");
        assertTrue(text(before.get("text/html")).contains("(seq): <b>SequentialBlock</b>"), before::toString);
        assertTrue(text(before.get("text/plain")).startsWith("Mlp(\n  (seq): SequentialBlock(\n"), before::toString);

        JsonNode after =
                outputOf(nb, "Display.moduleTree(peftModel.getBaseModel())").get("data");
        String html = text(after.get("text/html"));
        assertTrue(html.contains("(0): <b>LoraLinear</b>"), html);
        assertTrue(html.contains("52,162 trainable"), html); // printTrainableParameters' count
        assertTrue(text(after.get("text/plain")).contains("(4): ModulesToSaveWrapper("), after::toString);

        JsonNode table = outputOf(nb, "peftModel.parameterTable()").get("data");
        String tableHtml = text(table.get("text/html"));
        assertTrue(tableHtml.startsWith("<b>parameters</b><table"), tableHtml);
        assertTrue(tableHtml.contains(">base_model.model.seq.0.lora_A.default</td>"), tableHtml);
        assertTrue(text(table.get("text/plain")).contains("trainable"), table::toString);
    }
}
