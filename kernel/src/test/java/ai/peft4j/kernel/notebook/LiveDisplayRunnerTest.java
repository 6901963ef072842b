package ai.peft4j.kernel.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.kernel.TinyTraining;
import ai.peft4j.train.TrainingProgress;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code peft4j-kernel execute} saves what Jupyter shows: an {@code update_display_data} replaces
 * the earlier output with the same display id (as nbclient does), in whichever cell it is, so a
 * training cell keeps one output, the final chart with the summary.
 */
@DisplayName("The notebook runner and display updates")
class LiveDisplayRunnerTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    @DisplayName("a training cell is saved with one display_data: the final chart and the summary")
    void trainingCellKeepsOneOutput() throws Exception {
        Path in = NotebookRunnerTest.notebook(
                tmp.resolve("train.ipynb"),
                TinyTraining.EVERY_STEP,
                TinyTraining.SETUP,
                TinyTraining.TRAIN,
                TinyTraining.DEFAULTS);
        Path out = tmp.resolve("train.out.ipynb");
        NotebookRunner.Report report = new NotebookRunner().run(in, out);
        assertTrue(report.ok(), () -> report.failure().get().describe());
        assertTrue(!TrainingProgress.isInstalled(), "the runner restores the terminal progress bar when done");

        JsonNode outputs = M.readTree(out.toFile()).get("cells").get(3).get("outputs");
        assertEquals(2, outputs.size(), outputs.toString()); // the display, then the cell's value
        JsonNode display = outputs.get(0);
        assertEquals("display_data", display.get("output_type").asText());
        String text = NotebookRunnerTest.text(display.get("data").get("text/plain"));
        assertTrue(text.startsWith("done: 6 steps in "), text);
        assertTrue(text.contains(" | train loss "), text);
        byte[] png = Base64.getDecoder()
                .decode(NotebookRunnerTest.text(display.get("data").get("image/png")));
        assertEquals(
                ai.peft4j.display.LiveTrainingDisplay.WIDTH,
                ImageIO.read(new ByteArrayInputStream(png)).getWidth());
        assertEquals("execute_result", outputs.get(1).get("output_type").asText());
        assertEquals("6", NotebookRunnerTest.text(outputs.get(1).get("data").get("text/plain")));
        assertTrue(!outputs.toString().contains("tok/s"), "no terminal progress bar in the cell: " + outputs);
    }

    @Test
    @DisplayName("an update in a later cell replaces the output shown in an earlier one")
    void updateFromALaterCell() throws Exception {
        Path in = NotebookRunnerTest.notebook(
                tmp.resolve("later.ipynb"),
                "String id = display(\"first\");",
                "updateDisplay(id, \"second\");\nupdateDisplay(\"no-such-id\", \"ignored\");");
        Path out = tmp.resolve("later.out.ipynb");
        NotebookRunner.Report report = new NotebookRunner().run(in, out);
        assertTrue(report.ok(), () -> report.failure().get().describe());
        JsonNode cells = M.readTree(out.toFile()).get("cells");
        JsonNode first = cells.get(1).get("outputs");
        assertEquals(1, first.size(), first.toString());
        assertEquals("second", NotebookRunnerTest.text(first.get(0).get("data").get("text/plain")));
        assertEquals(0, cells.get(2).get("outputs").size(), cells.get(2).toString());
    }
}
