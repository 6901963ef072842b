package ai.peft4j.kernel.jupyter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.peft4j.kernel.install.KernelInstaller;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the real kernel through Jupyter ({@code jupyter_client} + {@code nbclient}): a two-cell
 * notebook, completion, an interrupt that keeps state, a cell that ignores the interrupt, {@code
 * System.exit} in a cell and {@code %time}. Skipped where no Python has those
 * packages (Debian: {@code apt-get install jupyter-client python3-nbclient}).
 */
class JupyterClientTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path tmp;

    static Optional<String> pythonWithJupyter() {
        for (String py : List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import jupyter_client, nbclient, nbformat")
                        .redirectErrorStream(true)
                        .start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return Optional.of(py);
                }
            } catch (IOException e) {
                // not there
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** nbformat multiline strings: a string or a list of lines. */
    private static String text(JsonNode n) {
        if (!n.isArray()) {
            return n.asText();
        }
        StringBuilder sb = new StringBuilder();
        n.forEach(l -> sb.append(l.asText()));
        return sb.toString();
    }

    @Test
    void notebookCompletionAndInterruptThroughJupyter() throws Exception {
        Optional<String> python = pythonWithJupyter();
        assumeTrue(python.isPresent(), "no python3 with jupyter_client and nbclient");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path prefix = tmp.resolve("prefix");
        new KernelInstaller()
                .java(java)
                .classPath(System.getProperty("java.class.path"))
                .install(new KernelInstaller.Target.Prefix(prefix));

        Path in = tmp.resolve("two.ipynb");
        Files.writeString(
                in,
                "{\"cells\": ["
                        + "{\"cell_type\": \"code\", \"metadata\": {}, \"outputs\": [], \"execution_count\": null,"
                        + " \"source\": \"System.out.println(\\\"hi from java\\\");\\nvar layer = new Linear(2, 3, true);\"},"
                        + "{\"cell_type\": \"code\", \"metadata\": {}, \"outputs\": [], \"execution_count\": null,"
                        + " \"source\": \"layer.outFeatures() + 1\"}],"
                        + " \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}");
        Path out = tmp.resolve("two.out.ipynb");
        Path script = tmp.resolve("drive_kernel.py");
        try (var s = getClass().getResourceAsStream("/jupyter/drive_kernel.py")) {
            Files.write(script, s.readAllBytes());
        }

        ProcessBuilder pb = new ProcessBuilder(python.get(), script.toString(), in.toString(), out.toString())
                .redirectErrorStream(false)
                .redirectError(tmp.resolve("stderr.txt").toFile());
        pb.environment().put("JUPYTER_PATH", prefix.resolve("share/jupyter").toString());
        pb.environment().put("JUPYTER_RUNTIME_DIR", tmp.resolve("runtime").toString());
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        String stderr = Files.readString(tmp.resolve("stderr.txt"));
        assertTrue(done, "driver timed out\n" + stderr);
        assertEquals(0, p.exitValue(), stdout + "\n" + stderr);

        JsonNode cells = M.readTree(out.toFile()).get("cells");
        assertEquals("hi from java\n", text(cells.get(0).get("outputs").get(0).get("text")));
        JsonNode result = cells.get(1).get("outputs").get(0);
        assertEquals("execute_result", result.get("output_type").asText());
        assertEquals("4", text(result.get("data").get("text/plain")));

        String last = stdout.strip().lines().reduce((a, b) -> b).orElse("{}");
        JsonNode report = M.readTree(last);
        assertEquals("java", report.get("language").asText());
        assertTrue(report.get("completion").toString().contains("Linear"), report.toString());
        assertEquals("error", report.get("interrupted_status").asText(), report.toString());
        assertEquals("42", report.get("after_interrupt").get(0).asText(), report.toString());
        assertEquals("error", report.get("swallowing_status").asText(), report.toString());
        assertTrue(report.get("swallowing_evalue").asText().contains("its thread was abandoned"), report.toString());
        assertEquals("error", report.get("exit_status").asText(), report.toString());
        assertEquals("SystemExitException", report.get("exit_ename").asText(), report.toString());
        assertEquals("82", report.get("after_exit").get(0).asText(), report.toString());
        assertTrue(report.get("time_output").asText().startsWith("Wall time: "), report.toString());
    }
}
