package ai.peft4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every notebook in {@code notebooks/} runs to the end through {@code peft4j-kernel execute}, in a
 * fresh JVM whose working directory is a temporary copy of {@code notebooks/}: as in Jupyter, a
 * notebook reads its data next to itself, and what it writes ({@code output/}) stays out of the
 * checkout.
 */
@DisplayName("The project's notebooks")
class NotebooksTest {

    static Path notebooksDir() {
        return Path.of(System.getProperty("user.dir")).resolveSibling("notebooks");
    }

    static Stream<Path> notebooks() throws IOException {
        try (Stream<Path> s = Files.list(notebooksDir())) {
            List<Path> all =
                    s.filter(p -> p.toString().endsWith(".ipynb")).sorted().collect(Collectors.toList());
            assertTrue(!all.isEmpty(), "no notebooks found in " + notebooksDir());
            return all.stream();
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.toString().contains("/output/")) {
                    Files.copy(p, target);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notebooks")
    @DisplayName("run without errors")
    void runs(Path notebook, @TempDir Path work) throws Exception {
        copyTree(notebooksDir(), work);
        Path out = work.resolve("executed.ipynb");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dai.djl.offline=true",
                        "-Xmx8g",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "ai.peft4j.kernel.Main",
                        "execute",
                        work.resolve(notebook.getFileName()).toString(),
                        "--output",
                        out.toString(),
                        "--timeout",
                        "900")
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("log.txt").toFile())
                .start();
        boolean finished = p.waitFor(20, TimeUnit.MINUTES);
        String log = Files.readString(work.resolve("log.txt"));
        if (!finished) {
            p.destroyForcibly();
        }
        assertTrue(finished, "timed out:\n" + log);
        assertEquals(0, p.exitValue(), notebook.getFileName() + " failed:\n" + log);
        JsonNode nb = new ObjectMapper().readTree(out.toFile());
        for (JsonNode cell : nb.get("cells")) {
            for (JsonNode output : cell.path("outputs")) {
                assertTrue(!output.path("output_type").asText().equals("error"), "error output in " + cell);
            }
        }
    }
}
