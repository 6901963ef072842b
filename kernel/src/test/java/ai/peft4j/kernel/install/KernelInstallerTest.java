package ai.peft4j.kernel.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.kernel.Main;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelInstallerTest {
    @TempDir
    Path tmp;

    @Test
    void installWritesKernelJsonAndJarUnderPrefix() throws Exception {
        Path fakeJar = Files.writeString(tmp.resolve("built.jar"), "jar bytes");
        Path prefix = tmp.resolve("env");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = Main.run(
                new String[] {"install", "--prefix", prefix.toString(), "--jar", fakeJar.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err);
        assertEquals(0, rc);
        Path dir = prefix.resolve("share/jupyter/kernels/peft4j");
        assertTrue(out.toString(StandardCharsets.UTF_8).contains(dir.toString()));
        assertEquals("jar bytes", Files.readString(dir.resolve("peft4j-kernel.jar")));

        JsonNode spec = new ObjectMapper().readTree(dir.resolve("kernel.json").toFile());
        List<String> argv = new ObjectMapper().convertValue(spec.get("argv"), List.class);
        assertArrayEquals(
                new String[] {
                    "java",
                    "-XX:TieredStopAtLevel=1",
                    "-Dai.djl.offline=true",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-jar",
                    "{resource_dir}/peft4j-kernel.jar",
                    "{connection_file}"
                },
                argv.toArray());
        assertEquals("Java (peft4j)", spec.get("display_name").asText());
        assertEquals("java", spec.get("language").asText());
        assertEquals("message", spec.get("interrupt_mode").asText());
    }

    @Test
    void aWarmUpThatWritesTheArchiveMakesKernelJsonUseIt() throws Exception {
        Path fakeJar = Files.writeString(tmp.resolve("built.jar"), "jar bytes");
        List<List<String>> commands = new java.util.ArrayList<>();
        KernelInstaller installer = new KernelInstaller().jar(fakeJar).warmUp((command, workDir) -> {
            commands.add(command);
            fakeJvm(command);
        });
        Path dir = installer.install(new KernelInstaller.Target.Prefix(tmp.resolve("env")));

        assertEquals(2, commands.size(), "a warm-up that writes the archive, then a check that loads it");
        List<String> warmUp = commands.get(0);
        int jar = warmUp.indexOf("-jar");
        assertEquals(
                dir.resolve("peft4j-kernel.jar").toString(),
                warmUp.get(jar + 1),
                "the warm-up runs the installed jar, so the archive matches the path kernel.json uses");
        assertEquals("execute", warmUp.get(jar + 2));
        List<String> check = commands.get(1);
        assertTrue(check.contains("-XX:SharedArchiveFile=" + dir.resolve("peft4j-kernel.jsa")), check::toString);
        assertTrue(check.contains("-Xshare:on"), check::toString);
        assertEquals("archive", Files.readString(dir.resolve("peft4j-kernel.jsa")));
        assertTrue(Files.notExists(dir.resolve("peft4j-kernel.jsa.tmp")));
        assertTrue(installer.archiveNote().startsWith("AppCDS archive "));

        assertEquals(List.of("/bin/sh", "{resource_dir}/peft4j-kernel.sh", "{connection_file}"), argv(dir));
        String launcher = Files.readString(dir.resolve("peft4j-kernel.sh"));
        assertTrue(launcher.contains("if [ \"$size\" = \"7\" ]"), launcher); // "archive" has 7 bytes
        assertTrue(
                launcher.contains("exec 'java' -XX:SharedArchiveFile=\"$archive\" -Xshare:auto -XX:+VerifySharedSpaces"
                        + " '-XX:TieredStopAtLevel=1'"),
                launcher);
    }

    @Test
    void aFailedWarmUpLeavesKernelJsonWithoutTheArchive() throws Exception {
        Path fakeJar = Files.writeString(tmp.resolve("built.jar"), "jar bytes");
        KernelInstaller installer = new KernelInstaller().jar(fakeJar).warmUp((command, workDir) -> {
            Files.writeString(Path.of(command.get(1).split("=", 2)[1]), "half an archive");
            throw new java.io.IOException("the warm-up exited with status 1");
        });
        Path dir = installer.install(new KernelInstaller.Target.Prefix(tmp.resolve("env")));

        assertTrue(Files.notExists(dir.resolve("peft4j-kernel.jsa")));
        assertTrue(Files.notExists(dir.resolve("peft4j-kernel.jsa.tmp")));
        assertTrue(argv(dir).stream().noneMatch(a -> a.contains("SharedArchiveFile")));
        assertTrue(installer.archiveNote().contains("status 1"), installer.archiveNote());
    }

    @Test
    void installingAgainRemovesAnArchiveThatNoLongerMatchesTheJar() throws Exception {
        Path fakeJar = Files.writeString(tmp.resolve("built.jar"), "jar bytes");
        KernelInstaller.Target target = new KernelInstaller.Target.Prefix(tmp.resolve("env"));
        Path dir = new KernelInstaller()
                .jar(fakeJar)
                .warmUp((command, workDir) -> fakeJvm(command))
                .install(target);
        assertTrue(Files.exists(dir.resolve("peft4j-kernel.jsa")));

        Files.writeString(fakeJar, "a newer jar");
        new KernelInstaller().jar(fakeJar).appCds(false).install(target);
        assertTrue(Files.notExists(dir.resolve("peft4j-kernel.jsa")));
        assertTrue(Files.notExists(dir.resolve("peft4j-kernel.sh")));
        assertTrue(argv(dir).stream().noneMatch(a -> a.contains("SharedArchiveFile") || a.contains(".sh")));
    }

    @Test
    void anArchiveTheJvmCannotLoadIsNotKept() throws Exception {
        Path fakeJar = Files.writeString(tmp.resolve("built.jar"), "jar bytes");
        KernelInstaller installer = new KernelInstaller().jar(fakeJar).warmUp((command, workDir) -> {
            fakeJvm(command);
            if (command.contains("-Xshare:on")) {
                throw new java.io.IOException("the warm-up exited with status 134");
            }
        });
        Path dir = installer.install(new KernelInstaller.Target.Prefix(tmp.resolve("env")));

        assertTrue(Files.notExists(dir.resolve("peft4j-kernel.jsa")));
        assertTrue(argv(dir).stream().noneMatch(a -> a.contains("SharedArchiveFile")));
        assertTrue(installer.archiveNote().contains("did not load"), installer.archiveNote());
    }

    /** What a JVM run with -XX:ArchiveClassesAtExit=FILE does at exit: writes FILE. */
    private static void fakeJvm(List<String> command) throws java.io.IOException {
        String flag = "-XX:ArchiveClassesAtExit=";
        for (String a : command) {
            if (a.startsWith(flag)) {
                Files.writeString(Path.of(a.substring(flag.length())), "archive");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> argv(Path dir) throws Exception {
        JsonNode spec = new ObjectMapper().readTree(dir.resolve("kernel.json").toFile());
        return new ObjectMapper().convertValue(spec.get("argv"), List.class);
    }

    @Test
    void classPathSpecRunsTheMainClass() throws Exception {
        Path dir = new KernelInstaller()
                .classPath("/a.jar:/b.jar")
                .java("/opt/jdk/bin/java")
                .install(new KernelInstaller.Target.Prefix(tmp));
        JsonNode argv =
                new ObjectMapper().readTree(dir.resolve("kernel.json").toFile()).get("argv");
        assertEquals("/opt/jdk/bin/java", argv.get(0).asText());
        assertEquals("-cp", argv.get(4).asText());
        assertEquals("ai.peft4j.kernel.Main", argv.get(6).asText());
        assertTrue(Files.notExists(dir.resolve("peft4j-kernel.jar")));
    }

    @Test
    void dataDirs() {
        assertEquals(
                Path.of("/x/share/jupyter"), KernelInstaller.dataDir(new KernelInstaller.Target.Prefix(Path.of("/x"))));
        assertTrue(
                KernelInstaller.dataDir(new KernelInstaller.Target.SysPrefix()).endsWith(Path.of("share/jupyter")));
        assertTrue(KernelInstaller.dataDir(new KernelInstaller.Target.User())
                .toString()
                .endsWith("jupyter"));
    }

    @Test
    void usageErrors() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, Main.run(new String[] {"install", "--bogus"}, System.out, ps));
        assertEquals(2, Main.run(new String[] {"execute"}, System.out, ps));
        assertEquals(2, Main.run(new String[] {}, System.out, ps));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("usage:"));
    }
}
