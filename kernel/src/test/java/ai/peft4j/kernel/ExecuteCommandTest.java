package ai.peft4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code peft4j-kernel.jar execute} as a user runs it: whatever the notebook holds, the command
 * ends with a clear message, a non-zero status when something failed, and, once the notebook
 * could be read, the executed notebook written. Runs that may end the JVM use a child JVM.
 */
class ExecuteCommandTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path tmp;

    /** One code cell per source; {@code tags[i]} (may be null) tags cell i. */
    private Path notebook(String name, String[] tags, String... sources) throws Exception {
        ObjectNode nb = M.createObjectNode();
        ArrayNode cells = nb.putArray("cells");
        for (int i = 0; i < sources.length; i++) {
            ObjectNode c = cells.addObject();
            c.put("cell_type", "code");
            c.putNull("execution_count");
            ObjectNode meta = c.putObject("metadata");
            if (tags != null && tags[i] != null) {
                meta.putArray("tags").add(tags[i]);
            }
            c.putArray("outputs");
            c.put("source", sources[i]);
        }
        nb.putObject("metadata");
        nb.put("nbformat", 4);
        nb.put("nbformat_minor", 5);
        Path file = tmp.resolve(name);
        Files.writeString(file, M.writeValueAsString(nb));
        return file;
    }

    private record Result(int status, String out, String err) {}

    private static Result inProcess(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Result childJvm(List<String> jvmOptions, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path")));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("execute did not end:\n" + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static JsonNode outputs(Path nb, int cell) throws Exception {
        return M.readTree(nb.toFile()).get("cells").get(cell).get("outputs");
    }

    @Test
    void malformedNotebookGivesOneLineNamingTheFile() throws Exception {
        Path bad = tmp.resolve("bad.ipynb");
        Files.writeString(bad, "{\"cells\": \"x\", \"nbformat\": 4}");
        Result r = inProcess("execute", bad.toString(), "-q");
        assertEquals(2, r.status());
        assertEquals("error: " + bad + ": \"cells\" is a string, not a list\n", r.err());

        Files.writeString(bad, "{\"cells\": [}");
        r = inProcess("execute", bad.toString(), "-q");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("error: " + bad + ": not valid JSON at line 1"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());

        r = inProcess("execute", tmp.resolve("missing.ipynb").toString());
        assertEquals(2, r.status());
        assertEquals("error: " + tmp.resolve("missing.ipynb") + ": no such file\n", r.err());
    }

    @Test
    void systemExitZeroInACellFailsTheRun() throws Exception {
        Path nb = notebook("exit.ipynb", null, "int a = 1;", "System.exit(0);", "a");
        Path out = tmp.resolve("exit.out.ipynb");
        Result r = inProcess("execute", nb.toString(), "--output", out.toString(), "-q");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("SystemExitException: System.exit(0) was called"), r.err());
        assertEquals("SystemExitException", outputs(out, 1).get(0).get("ename").asText());
    }

    @Test
    void exitOutsideTheCellsCodeStillWritesTheNotebook() throws Exception {
        // reflection is not rewritten: the JVM really exits, and the shutdown hook records it
        Path nb = notebook(
                "reflect.ipynb",
                null,
                "System.out.println(\"before\");",
                "System.class.getMethod(\"exit\", int.class).invoke(null, 0);",
                "System.out.println(\"never\");");
        Path out = tmp.resolve("reflect.out.ipynb");
        Result r = childJvm(List.of(), "execute", nb.toString(), "--output", out.toString(), "-q");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("error: the JVM is exiting while cell 2 (In [2]) ran"), r.err());
        assertEquals("before\n", outputs(out, 0).get(0).get("text").get(0).asText());
        assertEquals("KernelExit", outputs(out, 1).get(0).get("ename").asText());
        assertTrue(outputs(out, 2).isEmpty());
    }

    @Test
    void outOfMemoryInARaisesExceptionCellIsRecordedAndTheRunGoesOn() throws Exception {
        // the hog stays reachable, so the kernel's own code may be the next to run out of memory;
        // that used to end the run silently in about a third of the runs: try a few
        Path nb = notebook(
                "oom.ipynb",
                new String[] {null, "raises-exception", null},
                "int a = 1;",
                "List<byte[]> hog = new ArrayList<>();\nwhile (true) hog.add(new byte[1 << 20]);",
                "System.out.println(\"after\");");
        for (int run = 0; run < 3; run++) {
            Path out = tmp.resolve("oom" + run + ".out.ipynb");
            Result r = childJvm(List.of("-Xmx192m"), "execute", nb.toString(), "--output", out.toString(), "-q");
            assertTrue(Files.exists(out), "run " + run + ": no notebook; status " + r.status() + "\n" + r.err());
            JsonNode err = outputs(out, 1).get(0);
            assertEquals("OutOfMemoryError", err.get("ename").asText(), err.toString());
            assertEquals(0, r.status(), r.err());
            assertEquals("after\n", outputs(out, 2).get(0).get("text").get(0).asText());
        }
    }
}
