package ai.peft4j.kernel.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CellStreamsTest {

    private static ArrayNode outputs() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** Writes lines the way println does through an auto-flushing stream: text, then newline. */
    private static long printLines(CellStreams s, int n) {
        long chars = 0;
        for (int i = 0; i < n; i++) {
            String line = String.format("step %06d loss 0.123456", i); // same length for every line
            s.append("stdout", line);
            s.append("stdout", "\n");
            chars += line.length() + 1;
        }
        s.finish();
        return chars;
    }

    private static String text(JsonNode output) {
        return NotebookRunner.joinSource(output.get("text"));
    }

    private static List<String> summary(ArrayNode outputs) {
        List<String> out = new ArrayList<>();
        for (JsonNode o : outputs) {
            out.add(
                    o.get("output_type").asText().equals("stream")
                            ? o.get("name").asText() + ":" + text(o)
                            : "display:" + o.get("id").asText());
        }
        return out;
    }

    @Test
    void workIsLinearInTheOutputWritten() {
        for (long cap : new long[] {NotebookRunner.DEFAULT_MAX_OUTPUT_LINES, 0}) {
            CellStreams small = new CellStreams(outputs(), 0, cap);
            long chars10k = printLines(small, 10_000);
            CellStreams large = new CellStreams(outputs(), 0, cap);
            long chars40k = printLines(large, 40_000);
            // re-joining all earlier output on every write cost ~16x for 4x the lines
            assertTrue(
                    large.charsCopied() <= 4 * small.charsCopied(),
                    "cap " + cap + ": 40k lines cost " + large.charsCopied() + ", 10k lines " + small.charsCopied());
            assertTrue(large.charsCopied() <= 3 * chars40k, large.charsCopied() + " for " + chars40k);
            assertTrue(small.charsCopied() <= 3 * chars10k, small.charsCopied() + " for " + chars10k);
        }
    }

    @Test
    void longOutputKeepsHeadAndTailAndSaysWhatWasDropped() {
        ArrayNode outputs = outputs();
        CellStreams s = new CellStreams(outputs, 0, 10);
        for (int i = 0; i < 100; i++) {
            s.append("stdout", "line " + i + "\n");
        }
        s.finish();
        assertEquals(2, outputs.size(), outputs.toString());
        assertEquals("line 0\nline 1\nline 2\nline 3\nline 4\n", text(outputs.get(0)));
        String tail = text(outputs.get(1));
        assertTrue(tail.startsWith("[... 90 lines (715 characters) of output dropped here"), tail);
        assertTrue(tail.contains("10 lines at most"), tail);
        assertTrue(tail.endsWith("]\nline 95\nline 96\nline 97\nline 98\nline 99\n"), tail);
        assertEquals(90, s.droppedLines());
    }

    @Test
    void characterCapCutsOneEndlessLine() {
        ArrayNode outputs = outputs();
        CellStreams s = new CellStreams(outputs, 100, 0);
        for (int i = 0; i < 10_000; i++) {
            s.append("stderr", "\r" + (i % 10)); // a progress bar that never prints a newline
        }
        s.finish();
        assertEquals(2, outputs.size(), outputs.toString());
        String all = text(outputs.get(0)) + text(outputs.get(1));
        assertTrue(all.startsWith("\r0\r1\r2"), all);
        String marker = String.format("[... %,d characters of output dropped here", s.droppedChars());
        assertTrue(all.contains(marker), all);
        assertTrue(all.endsWith("\r7\r8\r9"), all);
        String kept = all.substring(0, all.indexOf("[...")) + all.substring(all.indexOf("]\n") + 2);
        assertEquals(20_000, kept.length() + s.droppedChars());
        assertTrue(kept.length() <= 150, kept); // head 50, tail 50 to 100
    }

    @Test
    void withinTheCapNothingChangesEvenPastTheHead() {
        ArrayNode outputs = outputs();
        CellStreams s = new CellStreams(outputs, 0, 6);
        s.append("stdout", "a\nb\n");
        s.append("stderr", "warn\n");
        s.append("stdout", "c\n");
        ObjectNode d = JsonNodeFactory.instance
                .objectNode()
                .put("output_type", "display_data")
                .put("id", "d1");
        s.display(d);
        s.append("stdout", "e\nf");
        s.finish();
        s.append("stdout", "after finish is ignored");
        assertEquals(
                List.of("stdout:a\nb\n", "stderr:warn\n", "stdout:c\n", "display:d1", "stdout:e\nf"), summary(outputs));
    }

    @Test
    void displaysAreNeverDropped() {
        ArrayNode outputs = outputs();
        CellStreams s = new CellStreams(outputs, 0, 4);
        for (int i = 0; i < 20; i++) {
            s.append("stdout", i + "\n");
            if (i == 10) {
                s.display(JsonNodeFactory.instance
                        .objectNode()
                        .put("output_type", "display_data")
                        .put("id", "chart"));
            }
        }
        s.finish();
        List<String> got = summary(outputs);
        assertEquals("stdout:0\n1\n", got.get(0));
        assertEquals("display:chart", got.get(1));
        assertTrue(got.get(2).startsWith("stdout:[... 16 lines"), got.toString());
        assertTrue(got.get(2).endsWith("]\n18\n19\n"), got.toString());
    }
}
