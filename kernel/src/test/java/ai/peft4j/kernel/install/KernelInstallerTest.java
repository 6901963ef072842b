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
  @TempDir Path tmp;

  @Test
  void installWritesKernelJsonAndJarUnderPrefix() throws Exception {
    Path fakeJar = Files.writeString(tmp.resolve("built.jar"), "jar bytes");
    Path prefix = tmp.resolve("env");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc =
        Main.run(
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
  void classPathSpecRunsTheMainClass() throws Exception {
    Path dir =
        new KernelInstaller()
            .classPath("/a.jar:/b.jar")
            .java("/opt/jdk/bin/java")
            .install(new KernelInstaller.Target.Prefix(tmp));
    JsonNode argv = new ObjectMapper().readTree(dir.resolve("kernel.json").toFile()).get("argv");
    assertEquals("/opt/jdk/bin/java", argv.get(0).asText());
    assertEquals("-cp", argv.get(4).asText());
    assertEquals("ai.peft4j.kernel.Main", argv.get(6).asText());
    assertTrue(Files.notExists(dir.resolve("peft4j-kernel.jar")));
  }

  @Test
  void dataDirs() {
    assertEquals(
        Path.of("/x/share/jupyter"),
        KernelInstaller.dataDir(new KernelInstaller.Target.Prefix(Path.of("/x"))));
    assertTrue(
        KernelInstaller.dataDir(new KernelInstaller.Target.SysPrefix())
            .endsWith(Path.of("share/jupyter")));
    assertTrue(
        KernelInstaller.dataDir(new KernelInstaller.Target.User()).toString().endsWith("jupyter"));
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
