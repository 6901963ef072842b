package ai.peft4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LoadProgressTest {

    /** What {@code run} printed on stderr. */
    private static String stderrOf(Runnable run) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("a load above the threshold shows a bar on stderr naming the checkpoint; a small one prints nothing")
    void barOnlyForLargeLoads() {
        String shown = stderrOf(() -> {
            try (LoadProgress p = LoadProgress.start(Path.of("/models/opt-350m"), 3L << 20, 1L << 20)) {
                p.step(1L << 20);
                p.step(2L << 20);
            }
        });
        assertTrue(shown.contains("Loading opt-350m") && shown.contains("100%"), shown);
        assertEquals("", stderrOf(() -> {
            try (LoadProgress p = LoadProgress.start(Path.of("/models/tiny"), 1L << 20, 1L << 20)) {
                p.step(1L << 20);
            }
        }));
    }

    @Test
    @DisplayName("peft4j.progress=false turns the bar off")
    void switchedOff() {
        System.setProperty("peft4j.progress", "false");
        try {
            assertEquals("", stderrOf(() -> {
                try (LoadProgress p = LoadProgress.start(Path.of("/models/big"), 3L << 20, 1L << 20)) {
                    p.step(3L << 20);
                }
            }));
        } finally {
            System.clearProperty("peft4j.progress");
        }
    }
}
