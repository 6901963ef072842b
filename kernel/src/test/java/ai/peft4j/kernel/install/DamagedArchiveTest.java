package ai.peft4j.kernel.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real install with a real AppCDS archive (of a tiny runnable jar standing in for the kernel),
 * then the kernel started the way Jupyter starts it, from {@code kernel.json}'s argv, with the
 * archive whole, truncated and overwritten. JDK 17 aborts on the last two when it maps the
 * archive directly, even with {@code -Xshare:auto}.
 */
@DisplayName("A damaged AppCDS archive does not stop the kernel from starting")
class DamagedArchiveTest {

    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {}

    private Path tinyJar() throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, StartedMain.class.getName());
        Path jar = tmp.resolve("tiny.jar");
        String entry = StartedMain.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf);
                InputStream in = StartedMain.class.getResourceAsStream("/" + entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }

    /** Runs kernel.json's argv as Jupyter does: {resource_dir} and {connection_file} filled in. */
    private static Run start(Path dir) throws Exception {
        @SuppressWarnings("unchecked")
        List<String> argv = new ObjectMapper()
                .convertValue(
                        new ObjectMapper()
                                .readTree(dir.resolve("kernel.json").toFile())
                                .get("argv"),
                        List.class);
        List<String> command = new ArrayList<>();
        for (String a : argv) {
            command.add(a.replace("{resource_dir}", dir.toString()).replace("{connection_file}", "kernel-1.json"));
        }
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the kernel did not exit");
        return new Run(p.exitValue(), out, err);
    }

    private static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
        file.toFile().setWritable(true);
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes), offset);
        }
    }

    @Test
    @DisplayName("whole, the archive is used; truncated or overwritten, the kernel starts without it")
    void truncatedOrCorruptArchive() throws Exception {
        assumeFalse(
                System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win"), "no launcher on Windows");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        KernelInstaller installer = new KernelInstaller().java(java).jar(tinyJar());
        Path dir = installer.install(new KernelInstaller.Target.Prefix(tmp.resolve("env")));
        Path archive = dir.resolve(KernelInstaller.ARCHIVE_NAME);
        assertTrue(Files.isRegularFile(archive), installer.archiveNote());
        byte[] whole = Files.readAllBytes(archive);

        Run ok = start(dir);
        assertEquals(0, ok.status(), ok.err());
        assertEquals("started kernel-1.json", ok.out().strip());
        assertFalse(ok.err().contains("damaged"), ok.err());

        for (int length : new int[] {4096, whole.length / 2, whole.length - 1}) {
            try (OutputStream out = Files.newOutputStream(archive)) {
                out.write(whole, 0, length);
            }
            Run r = start(dir);
            assertEquals(0, r.status(), "truncated to " + length + " bytes: " + r.err());
            assertEquals("started kernel-1.json", r.out().strip());
            assertTrue(r.err().contains("missing or damaged"), r.err());
        }

        for (long offset : new long[] {600, 5000, whole.length / 2}) {
            Files.write(archive, whole);
            overwrite(archive, offset, "garbage!garbage!".getBytes(StandardCharsets.US_ASCII));
            Run r = start(dir);
            assertEquals(0, r.status(), "overwritten at " + offset + ": " + r.err());
            // the JVM's own warning, if any ("Unable to use shared archive"), comes first on stdout
            List<String> lines = r.out().strip().lines().toList();
            assertEquals("started kernel-1.json", lines.get(lines.size() - 1), r.out());
        }

        Files.delete(archive);
        Run gone = start(dir);
        assertEquals(0, gone.status(), gone.err());
        assertEquals("started kernel-1.json", gone.out().strip());
    }
}
