package ai.peft4j.kernel.install;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Writes the {@code peft4j} kernelspec ({@code kernels/peft4j/kernel.json} plus the kernel jar)
 * into a Jupyter data directory.
 *
 * <p>The kernelspec runs {@code java -jar {resource_dir}/peft4j-kernel.jar {connection_file}}, so
 * the runnable jar is copied next to {@code kernel.json}. A spec can instead point at a class path
 * ({@link #classPath(String)}), which is what development and tests use.
 */
public final class KernelInstaller {
  /** The kernelspec directory name (and the name notebooks refer to). */
  public static final String KERNEL_NAME = "peft4j";

  public static final String DISPLAY_NAME = "Java (peft4j)";
  public static final String JAR_NAME = "peft4j-kernel.jar";
  public static final String MAIN_CLASS = "ai.peft4j.kernel.Main";

  /** Where to install, as {@code jupyter kernelspec install} understands it. */
  public sealed interface Target {
    /** {@code ~/.local/share/jupyter} (Linux), as {@code --user}. */
    record User() implements Target {}

    /** {@code sys.prefix/share/jupyter}, as {@code --sys-prefix}. */
    record SysPrefix() implements Target {}

    /** {@code DIR/share/jupyter}, as {@code --prefix DIR}. */
    record Prefix(Path dir) implements Target {}
  }

  private String java = "java";
  private Path jar;
  private String classPath;
  // C1 only: the kernel starts in ~1.5 s instead of ~1.9 s (bench/kernel-start.sh); the heavy work
  // runs in libtorch, and Java-side loops measured ~20% slower, which a notebook does not notice.
  private final List<String> jvmOptions = new ArrayList<>(List.of(
      "-XX:TieredStopAtLevel=1", "-Dai.djl.offline=true",
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));

  /** The java launcher written into {@code argv} (default {@code java}, found on PATH). */
  public KernelInstaller java(String java) {
    this.java = Objects.requireNonNull(java);
    return this;
  }

  /** The runnable jar to copy (default: the jar this class was loaded from). */
  public KernelInstaller jar(Path jar) {
    this.jar = jar;
    return this;
  }

  /** Instead of copying a jar, run {@link #MAIN_CLASS} from this class path. */
  public KernelInstaller classPath(String classPath) {
    this.classPath = classPath;
    return this;
  }

  /** An extra JVM option such as {@code -Xmx8g}. */
  public KernelInstaller jvmOption(String option) {
    jvmOptions.add(option);
    return this;
  }

  /** The {@code share/jupyter} directory for a target. */
  public static Path dataDir(Target target) {
    if (target instanceof Target.Prefix p) {
      return p.dir().resolve("share").resolve("jupyter");
    }
    if (target instanceof Target.SysPrefix) {
      return Path.of(pythonSysPrefix()).resolve("share").resolve("jupyter");
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    Path home = Path.of(System.getProperty("user.home"));
    if (os.contains("mac")) {
      return home.resolve("Library").resolve("Jupyter");
    }
    if (os.contains("win")) {
      String appData = System.getenv("APPDATA");
      return Path.of(appData == null ? home.toString() : appData).resolve("jupyter");
    }
    return (xdg == null || xdg.isBlank() ? home.resolve(".local").resolve("share") : Path.of(xdg))
        .resolve("jupyter");
  }

  /** {@code sys.prefix} of {@code python3}, or {@code /usr/local} without Python. */
  static String pythonSysPrefix() {
    try {
      Process p =
          new ProcessBuilder("python3", "-c", "import sys; print(sys.prefix)")
              .redirectErrorStream(true)
              .start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      }
      if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) {
        return out;
      }
    } catch (IOException e) {
      // no python: fall through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "/usr/local";
  }

  /** The kernel.json contents. */
  public Map<String, Object> kernelJson() {
    List<String> argv = new ArrayList<>();
    argv.add(java);
    argv.addAll(jvmOptions);
    if (classPath != null) {
      argv.add("-cp");
      argv.add(classPath);
      argv.add(MAIN_CLASS);
    } else {
      argv.add("-jar");
      argv.add("{resource_dir}/" + JAR_NAME);
    }
    argv.add("{connection_file}");
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("argv", argv);
    spec.put("display_name", DISPLAY_NAME);
    spec.put("language", "java");
    spec.put("interrupt_mode", "message");
    return spec;
  }

  /**
   * Installs the kernelspec.
   *
   * @return the kernelspec directory ({@code .../kernels/peft4j})
   */
  public Path install(Target target) throws IOException {
    Path dir = dataDir(target).resolve("kernels").resolve(KERNEL_NAME);
    Files.createDirectories(dir);
    if (classPath == null) {
      Path source = jar != null ? jar : ownJar();
      Path dest = dir.resolve(JAR_NAME);
      if (!Files.exists(dest) || !Files.isSameFile(source, dest)) {
        Files.copy(source, dest, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Files.writeString(
        dir.resolve("kernel.json"),
        mapper.writeValueAsString(kernelJson()) + "\n",
        StandardCharsets.UTF_8);
    return dir;
  }

  /** The jar this kernel runs from; fails when running from a classes directory. */
  static Path ownJar() throws IOException {
    try {
      Path p =
          Path.of(KernelInstaller.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!Files.isRegularFile(p)) {
        throw new IOException(
            "not running from a jar ("
                + p
                + "): build it with `mvn -pl kernel -am package` and run"
                + " `java -jar kernel/target/"
                + JAR_NAME
                + " install`");
      }
      return p;
    } catch (URISyntaxException | SecurityException e) {
      throw new IOException("cannot locate the kernel jar", e);
    }
  }
}
