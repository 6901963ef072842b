package ai.peft4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("AtomicFolder")
class AtomicFolderTest {

    static final String STAGING = ".peft4j-staging-00000000000000ab";

    static Set<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir))
                    .map(p -> dir.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** A save that was killed after its commit, before any file was moved into place. */
    static void killedAfterCommit(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("a.txt"), "old a");
        Files.writeString(dir.resolve("sub/b.txt"), "old b");
        Files.createDirectories(dir.resolve(STAGING + "/sub"));
        Files.writeString(dir.resolve(STAGING + "/a.txt"), "new a");
        Files.writeString(dir.resolve(STAGING + "/sub/b.txt"), "new b");
        Files.writeString(
                dir.resolve(AtomicFolder.RECORD), "peft4j-atomic-folder 1\n" + STAGING + "\na.txt\nsub/b.txt\n");
    }

    @Test
    @DisplayName("a save writes the new files, keeps the others, and leaves nothing of its own behind")
    void saves(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("out");
        AtomicFolder.save(dir, s -> {
            Files.writeString(s.resolve("a.txt"), "1");
            Files.createDirectories(s.resolve("sub"));
            Files.writeString(s.resolve("sub/b.txt"), "1");
        });
        Files.writeString(dir.resolve("mine.txt"), "the user's");
        AtomicFolder.save(dir, s -> Files.writeString(s.resolve("a.txt"), "2"));
        assertEquals(Set.of("a.txt", "mine.txt", "sub", "sub/b.txt"), tree(dir));
        assertEquals("2", Files.readString(dir.resolve("a.txt")));
        assertEquals("1", Files.readString(dir.resolve("sub/b.txt")));
        assertEquals("the user's", Files.readString(dir.resolve("mine.txt")));
    }

    @Test
    @DisplayName("a save whose writer fails leaves the folder as it was")
    void failedWriter(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.txt"), "old");
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> AtomicFolder.save(dir, s -> {
                    Files.writeString(s.resolve("a.txt"), "half");
                    throw new IllegalStateException("no value yet");
                }));
        assertEquals("no value yet", e.getMessage());
        assertEquals(Set.of("a.txt"), tree(dir));
        assertEquals("old", Files.readString(dir.resolve("a.txt")));
    }

    @Test
    @DisplayName(
            "after a commit, readers get the new files, from the folder and from a sub-folder, and the switch is completed")
    void readsThroughACommittedSave(@TempDir Path dir) throws IOException {
        killedAfterCommit(dir);
        assertEquals("new b", Files.readString(AtomicFolder.file(dir.resolve("sub"), "b.txt")));
        assertEquals(Set.of("a.txt", "sub", "sub/b.txt"), tree(dir), "the reader completed the switch");
        assertEquals("new a", Files.readString(AtomicFolder.file(dir, "a.txt")));
    }

    @Test
    @DisplayName("when the switch cannot be completed, a reader reads the staged files through the record")
    void readsThroughWithoutCompleting(@TempDir Path dir) throws IOException {
        killedAfterCommit(dir);
        // Something in the way of sub/b.txt (as a read-only folder would be): the reader moves a.txt, then
        // cannot go on.
        Files.delete(dir.resolve("sub/b.txt"));
        Files.createDirectories(dir.resolve("sub/b.txt/in-the-way"));
        assertEquals("new a", Files.readString(AtomicFolder.file(dir, "a.txt")));
        assertEquals("new b", Files.readString(AtomicFolder.file(dir, "sub/b.txt")));
        assertEquals("new b", Files.readString(AtomicFolder.file(dir.resolve("sub"), "b.txt")));
        assertTrue(Files.exists(dir.resolve(AtomicFolder.RECORD)), "the record stays until the switch is done");
    }

    @Test
    @DisplayName("the next save completes a committed save first and deletes staging folders that never committed")
    void nextSaveCleansUp(@TempDir Path dir) throws IOException {
        killedAfterCommit(dir);
        Files.createDirectories(dir.resolve(".peft4j-staging-00000000000000cd"));
        Files.writeString(dir.resolve(".peft4j-staging-00000000000000cd/a.txt"), "never committed");
        Files.writeString(dir.resolve(".a.txt.1234.tmp"), "left by a killed single-file writer");
        AtomicFolder.save(dir, s -> Files.writeString(s.resolve("a.txt"), "newest a"));
        assertEquals(Set.of("a.txt", "sub", "sub/b.txt"), tree(dir));
        assertEquals("newest a", Files.readString(dir.resolve("a.txt")));
        assertEquals("new b", Files.readString(dir.resolve("sub/b.txt")), "the committed save was completed");
    }

    @Test
    @DisplayName("a staging folder that never committed is invisible to readers")
    void uncommittedIsInvisible(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.txt"), "old a");
        Files.createDirectories(dir.resolve(STAGING));
        Files.writeString(dir.resolve(STAGING + "/a.txt"), "new a");
        assertEquals(dir.resolve("a.txt"), AtomicFolder.file(dir, "a.txt"));
    }

    @Test
    @DisplayName("a record peft4j did not write is ignored: nothing outside the folder is read or moved")
    void foreignRecordIgnored(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("adapter");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("a.txt"), "mine");
        Files.writeString(tmp.resolve("secret.txt"), "secret");
        for (String record : List.of(
                "peft4j-atomic-folder 1\n" + STAGING + "\n../secret.txt\n",
                "peft4j-atomic-folder 1\n../..\na.txt\n",
                "garbage",
                "")) {
            Files.writeString(dir.resolve(AtomicFolder.RECORD), record);
            assertEquals(dir.resolve("a.txt"), AtomicFolder.file(dir, "a.txt"));
            assertEquals(dir.resolve("../secret.txt"), AtomicFolder.file(dir, "../secret.txt"));
            assertEquals("secret", Files.readString(tmp.resolve("secret.txt")));
        }
        AtomicFolder.save(dir, s -> Files.writeString(s.resolve("b.txt"), "b"));
        assertEquals(Set.of("a.txt", "b.txt"), tree(dir), "the next save deleted the foreign record");
    }

    @Test
    @DisplayName("saving into a path that is a file says so")
    void intoAFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "x");
        IOException e = assertThrows(IOException.class, () -> AtomicFolder.save(file, s -> {}));
        assertTrue(e.getMessage().contains("it is a file, not a folder"), e.getMessage());
    }

    @Test
    @DisplayName("saved files and folders get the umask's permissions, not owner-only ones")
    void permissions(@TempDir Path dir) throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path reference = Files.createFile(dir.resolve("reference"));
        Path referenceDir = Files.createDirectory(dir.resolve("reference-dir"));
        AtomicFolder.save(dir.resolve("out"), s -> {
            Files.writeString(s.resolve("a.txt"), "a");
            Files.createDirectories(s.resolve("sub"));
            Files.writeString(s.resolve("sub/b.txt"), "b");
        });
        Set<PosixFilePermission> file = Files.getPosixFilePermissions(reference);
        assertEquals(file, Files.getPosixFilePermissions(dir.resolve("out/a.txt")));
        assertEquals(file, Files.getPosixFilePermissions(dir.resolve("out/sub/b.txt")));
        assertEquals(
                Files.getPosixFilePermissions(referenceDir), Files.getPosixFilePermissions(dir.resolve("out/sub")));
        assertFalse(Files.exists(dir.resolve("out").resolve(AtomicFolder.RECORD)));
    }
}
