package ai.peft4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Files that are not regular files, for tests that a reader refuses them instead of blocking. */
public final class SpecialFiles {

    private SpecialFiles() {}

    /**
     * Makes a FIFO at {@code path} with {@code mkfifo}. Opening it for reading blocks until a writer
     * comes, so a test that reads one should carry a JUnit {@code @Timeout} in a separate thread.
     */
    public static Path mkfifo(Path path) {
        try {
            Process p =
                    new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
            assertEquals(0, p.waitFor(), "mkfifo " + path);
        } catch (IOException e) {
            throw new AssertionError("mkfifo is needed for this test", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertTrue(
                Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(path) && !Files.isDirectory(path),
                path + " is no FIFO");
        return path;
    }
}
