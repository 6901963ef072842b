package ai.peft4j.kernel.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.kernel.eval.JShellEvaluator;
import ai.peft4j.kernel.magic.MavenConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotebookRunnerTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Writes an nbformat 4 notebook with one code cell per source (sources as line lists). */
    static Path notebook(Path file, String... sources) throws Exception {
        ObjectNode nb = M.createObjectNode();
        ArrayNode cells = nb.putArray("cells");
        ObjectNode md = cells.addObject();
        md.put("cell_type", "markdown");
        md.putObject("metadata");
        md.put("source", "# title");
        for (String s : sources) {
            ObjectNode c = cells.addObject();
            c.put("cell_type", "code");
            c.putNull("execution_count");
            c.putObject("metadata");
            c.putArray("outputs");
            c.set("source", NotebookRunner.splitLines(s));
        }
        nb.putObject("metadata");
        nb.put("nbformat", 4);
        nb.put("nbformat_minor", 5);
        Files.writeString(file, M.writerWithDefaultPrettyPrinter().writeValueAsString(nb));
        return file;
    }

    static String text(JsonNode multiline) {
        return NotebookRunner.joinSource(multiline);
    }

    @Test
    void runsCellsAndWritesOutputs() throws Exception {
        Path in = notebook(
                tmp.resolve("a.ipynb"),
                "System.out.println(\"hello\");\nSystem.err.println(\"warn\");\nSystem.out.print(\"more\\n\");",
                "var layer = new Linear(4, 2, true);\nlayer.outFeatures()",
                "class Card { public String toHtml() { return \"<b>x</b>\"; } public String toString() { return \"card\"; } }\nnew Card()",
                "String id = display(\"first\");\nupdateDisplay(id, \"second\");\nint quiet = 1;");
        Path out = tmp.resolve("out/a.ipynb");
        NotebookRunner.Report report = new NotebookRunner().run(in, out);
        assertTrue(report.ok(), () -> report.failure().get().describe());
        assertEquals(4, report.cellsRun());

        String raw = Files.readString(out);
        assertTrue(raw.startsWith("{\n \"cells\": ["), raw.substring(0, 40));
        JsonNode nb = M.readTree(out.toFile());
        JsonNode cells = nb.get("cells");
        assertEquals("markdown", cells.get(0).get("cell_type").asText());

        JsonNode c1 = cells.get(1);
        assertEquals(1, c1.get("execution_count").asInt());
        JsonNode outs = c1.get("outputs");
        assertEquals(3, outs.size(), outs.toString());
        assertEquals("stdout", outs.get(0).get("name").asText());
        assertEquals("hello\n", text(outs.get(0).get("text")));
        assertEquals("stderr", outs.get(1).get("name").asText());
        assertEquals("more\n", text(outs.get(2).get("text")));

        JsonNode r2 = cells.get(2).get("outputs").get(0);
        assertEquals("execute_result", r2.get("output_type").asText());
        assertEquals(2, r2.get("execution_count").asInt());
        assertEquals("2", text(r2.get("data").get("text/plain")));

        JsonNode r3 = cells.get(3).get("outputs").get(0).get("data");
        assertEquals("<b>x</b>", text(r3.get("text/html")));
        assertEquals("card", text(r3.get("text/plain")));

        JsonNode c4 = cells.get(4).get("outputs");
        assertEquals(1, c4.size(), c4.toString());
        assertEquals("display_data", c4.get(0).get("output_type").asText());
        assertEquals("second", text(c4.get(0).get("data").get("text/plain")));

        assertEquals("peft4j", nb.get("metadata").get("kernelspec").get("name").asText());
    }

    @Test
    void stopsAtTheFirstErrorAndRecordsIt() throws Exception {
        Path in = notebook(
                tmp.resolve("b.ipynb"),
                "int x = 1;",
                "int y = 2;\nObject o = null;\no.hashCode();",
                "System.out.println(\"never\");");
        NotebookRunner.Report report = new NotebookRunner().run(in, in);
        assertFalse(report.ok());
        NotebookRunner.CellFailure f = report.failure().get();
        assertEquals(2, f.index());
        assertEquals(2, f.executionCount());
        assertTrue(f.describe().contains("   3 | o.hashCode();"), f.describe());
        JsonNode cells = M.readTree(in.toFile()).get("cells");
        JsonNode err = cells.get(2).get("outputs").get(0);
        assertEquals("error", err.get("output_type").asText());
        assertEquals("NullPointerException", err.get("ename").asText());
        assertTrue(err.get("traceback").get(0).asText().startsWith("java.lang.NullPointerException"));
        assertTrue(err.get("traceback").toString().contains("In [2], line 3"), err.toString());
        assertTrue(cells.get(3).get("outputs").isEmpty());
        assertTrue(cells.get(3).get("execution_count").isNull());
    }

    @Test
    void compileErrorsAreErrorOutputs() throws Exception {
        Path in = notebook(tmp.resolve("c.ipynb"), "int a = 1;\nint b = \"no\";");
        NotebookRunner.Report report = new NotebookRunner(new NotebookRunner.Options().allowErrors(true)).run(in, in);
        assertTrue(report.ok());
        JsonNode err =
                M.readTree(in.toFile()).get("cells").get(1).get("outputs").get(0);
        assertEquals("CompilationException", err.get("ename").asText());
        assertTrue(err.get("evalue").asText().startsWith("line 2: incompatible types"), err.toString());
    }

    @Test
    void timeoutStopsALongCell() throws Exception {
        Path in = notebook(tmp.resolve("d.ipynb"), "int n = 0;", "while (true) { n++; }", "n");
        NotebookRunner.Report report =
                new NotebookRunner(new NotebookRunner.Options().timeout(Duration.ofSeconds(1))).run(in, in);
        assertEquals("CellTimeoutException", report.failure().get().error().errorName());
    }

    @Test
    void resourceNotebookUsesToolkitClasses() throws Exception {
        Path in = Path.of(getClass().getResource("/notebooks/tiny.ipynb").toURI());
        Path out = tmp.resolve("tiny.out.ipynb");
        NotebookRunner.Report report = new NotebookRunner().run(in, out);
        assertTrue(report.ok(), () -> report.failure().get().describe());
        JsonNode cells = M.readTree(out.toFile()).get("cells");
        assertEquals("rank 4\n", text(cells.get(1).get("outputs").get(0).get("text")));
        assertEquals("12", text(cells.get(2).get("outputs").get(0).get("data").get("text/plain")));
    }

    @Test
    void longOutputIsCappedKeepingHeadAndTail() throws Exception {
        Path in = notebook(
                tmp.resolve("long.ipynb"),
                "for (int i = 0; i < 40_000; i++) System.out.println(\"line \" + i);",
                "System.out.println(\"next cell\");");
        NotebookRunner.Report report =
                new NotebookRunner(new NotebookRunner.Options().maxOutputLines(1000)).run(in, in);
        assertTrue(report.ok(), () -> report.failure().get().describe());
        JsonNode cells = M.readTree(in.toFile()).get("cells");
        JsonNode outs = cells.get(1).get("outputs");
        assertEquals(2, outs.size(), outs.toString().substring(0, 200));
        String head = text(outs.get(0).get("text"));
        String tail = text(outs.get(1).get("text"));
        assertTrue(head.startsWith("line 0\nline 1\n"), head.substring(0, 40));
        assertTrue(head.endsWith("line 499\n"), head.substring(head.length() - 40));
        assertTrue(tail.startsWith("[... 39,000 lines ("), tail.substring(0, 80));
        assertTrue(tail.endsWith("line 39999\n"), tail.substring(tail.length() - 40));
        assertEquals("next cell\n", text(cells.get(2).get("outputs").get(0).get("text")));
    }

    @Test
    void systemExitInACellIsAnErrorAndTheRunEndsWithTheNotebookWritten() throws Exception {
        Path in = notebook(
                tmp.resolve("exit.ipynb"),
                "int kept = 1;",
                "System.out.println(\"bye\");\nSystem.exit(0);",
                "System.out.println(\"never\");");
        Path out = tmp.resolve("exit.out.ipynb");
        NotebookRunner.Report report = new NotebookRunner().run(in, out);
        assertFalse(report.ok());
        assertEquals("SystemExitException", report.failure().get().error().errorName());
        JsonNode cells = M.readTree(out.toFile()).get("cells");
        JsonNode outs = cells.get(2).get("outputs");
        assertEquals("bye\n", text(outs.get(0).get("text")));
        JsonNode err = outs.get(1);
        assertEquals("error", err.get("output_type").asText());
        assertTrue(err.get("evalue").asText().startsWith("System.exit(0) was called"), err.toString());
        assertTrue(err.get("traceback").toString().contains("In [2], line 2"), err.toString());
        assertTrue(cells.get(3).get("outputs").isEmpty());
    }

    @Test
    void timeoutEndsACellThatSwallowsTheStop() throws Exception {
        Path in = notebook(
                tmp.resolve("swallow.ipynb"),
                "int n = 0;",
                "while (true) { try { n++; Thread.sleep(5); } catch (Throwable t) { } }",
                "n");
        NotebookRunner.Options options = new NotebookRunner.Options()
                .timeout(Duration.ofSeconds(1))
                .allowErrors(true)
                .evaluators(() -> JShellEvaluator.builder()
                        .stopGrace(Duration.ofSeconds(1))
                        .build());
        NotebookRunner.Report report =
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> new NotebookRunner(options).run(in, in));
        assertTrue(report.ok());
        JsonNode cells = M.readTree(in.toFile()).get("cells");
        JsonNode err = cells.get(2).get("outputs").get(0);
        assertEquals("CellTimeoutException", err.get("ename").asText());
        assertTrue(err.get("evalue").asText().contains("its thread was abandoned"), err.toString());
        JsonNode after = cells.get(3).get("outputs").get(0);
        assertEquals("execute_result", after.get("output_type").asText(), "the run went on: " + after);
    }

    @Test
    void malformedNotebooksAreNamedWithTheirProblem() throws Exception {
        Path cellsString = tmp.resolve("cells.ipynb");
        Files.writeString(cellsString, "{\"cells\": \"x\", \"metadata\": {}, \"nbformat\": 4}");
        NotebookFormatException e = assertThrows(NotebookFormatException.class, () -> NotebookRunner.read(cellsString));
        assertEquals(cellsString + ": \"cells\" is a string, not a list", e.getMessage());

        Path badJson = tmp.resolve("bad.ipynb");
        Files.writeString(badJson, "{\"cells\": [\n  {\"cell_type\": \"code\",,}\n]}");
        e = assertThrows(NotebookFormatException.class, () -> NotebookRunner.read(badJson));
        assertTrue(e.getMessage().startsWith(badJson + ": not valid JSON at line 2, column "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());

        Path cellNumber = tmp.resolve("n.ipynb");
        Files.writeString(cellNumber, "{\"cells\": [{\"cell_type\": \"code\", \"source\": 7}], \"nbformat\": 4}");
        e = assertThrows(NotebookFormatException.class, () -> NotebookRunner.read(cellNumber));
        assertEquals(
                cellNumber + ": cell 1: \"source\" is a number, not a string or a list of strings", e.getMessage());

        Path v3 = tmp.resolve("v3.ipynb");
        Files.writeString(v3, "{\"worksheets\": [], \"cells\": [], \"nbformat\": 3}");
        e = assertThrows(NotebookFormatException.class, () -> NotebookRunner.read(v3));
        assertTrue(e.getMessage().startsWith(v3 + ": nbformat 3 is not supported"), e.getMessage());
    }

    @Test
    void mavenMagicLoadsXChartOfflineFromTheLocalRepository() throws Exception {
        // the local repository the build itself filled: where the xchart jar on our class path lives
        Path jar = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .filter(p -> p.getFileName().toString().equals("xchart-3.8.8.jar"))
                .findFirst()
                .orElseThrow();
        Path localRepo =
                jar.getParent().getParent().getParent().getParent().getParent().getParent();
        assertTrue(Files.isDirectory(localRepo.resolve("org/knowm/xchart")), localRepo.toString());
        Path in = notebook(
                tmp.resolve("xchart.ipynb"),
                "%maven org.knowm.xchart:xchart:3.8.8",
                "var chart = new org.knowm.xchart.XYChartBuilder().width(320).height(200).build();\n"
                        + "chart.addSeries(\"loss\", new double[] {1, 2, 3}, new double[] {3, 2, 1});\n"
                        + "chart.getWidth()");
        NotebookRunner.Options options =
                new NotebookRunner.Options().maven(new MavenConfig(localRepo, List.of(), true));
        NotebookRunner.Report report = new NotebookRunner(options).run(in, in);
        assertTrue(report.ok(), () -> report.failure().get().describe());
        JsonNode cells = M.readTree(in.toFile()).get("cells");
        assertEquals(
                "org.knowm.xchart:xchart 3.8.8 is already on the kernel's class path\n",
                text(cells.get(1).get("outputs").get(0).get("text")));
        assertEquals("320", text(cells.get(2).get("outputs").get(0).get("data").get("text/plain")));
    }

    @Test
    void splitLinesFollowsNbformat() {
        assertEquals(List.of("a\n", "b\n", "c"), M.convertValue(NotebookRunner.splitLines("a\nb\nc"), List.class));
        assertEquals(0, NotebookRunner.splitLines("").size());
    }
}
