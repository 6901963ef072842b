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
import java.util.Comparator;
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
 *
 * <p>Start-up: a jar install also runs a short warm-up of the installed kernel (one tiny notebook)
 * with {@code -XX:ArchiveClassesAtExit}, and when that leaves an AppCDS archive next to the jar,
 * {@code kernel.json} starts the kernel through a small launcher ({@value #LAUNCHER_NAME}, run by
 * {@code /bin/sh}) that adds {@code -XX:SharedArchiveFile}, {@code -Xshare:auto} and {@code
 * -XX:+VerifySharedSpaces}. The archive is kept only when a JVM started with {@code -Xshare:on}
 * loads it. A missing or stale archive (the jar, its path or the JDK changed) only makes the JVM
 * warn and start without it; installing again rebuilds it. A damaged archive must not stop the
 * kernel either, and JDK 17 aborts on one even with {@code -Xshare:auto}: the launcher starts
 * without the archive when its size is not the one it was written with (truncated), and {@code
 * -XX:+VerifySharedSpaces} makes the JVM skip one whose checksums fail (same size, other bytes).
 * On Windows there is no launcher, hence no archive.
 *
 * <pre>{@code
 * new KernelInstaller().install(new KernelInstaller.Target.User());     // with the archive
 * new KernelInstaller().appCds(false).install(new KernelInstaller.Target.User());  // without
 * }</pre>
 */
public final class KernelInstaller {
    /** The kernelspec directory name (and the name notebooks refer to). */
    public static final String KERNEL_NAME = "peft4j";

    public static final String DISPLAY_NAME = "Java (peft4j)";
    public static final String JAR_NAME = "peft4j-kernel.jar";
    public static final String MAIN_CLASS = "ai.peft4j.kernel.Main";
    /** The AppCDS archive written next to the jar (see {@link #appCds(boolean)}). */
    public static final String ARCHIVE_NAME = "peft4j-kernel.jsa";
    /** The shell launcher that uses the archive only while it is whole (see the class comment). */
    public static final String LAUNCHER_NAME = "peft4j-kernel.sh";

    /**
     * Runs one JVM of the archive's making (the warm-up that writes it at exit, then the check that
     * loads it) in {@code workDir}; returns normally when it exited with status 0.
     */
    @FunctionalInterface
    public interface WarmUp {
        void run(List<String> command, Path workDir) throws IOException;
    }

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
            "-XX:TieredStopAtLevel=1", "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
    private boolean appCds = true;
    private WarmUp warmUp = KernelInstaller::runWarmUp;
    private boolean archived;
    private String archiveNote = "";

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

    /**
     * Whether a jar install creates the AppCDS archive (default true): the kernel then reaches its
     * first result sooner (bench/kernel-start.sh). The warm-up takes a few seconds at install time.
     */
    public KernelInstaller appCds(boolean appCds) {
        this.appCds = appCds;
        return this;
    }

    /** How the warm-up runs (tests replace the JVM run). */
    KernelInstaller warmUp(WarmUp warmUp) {
        this.warmUp = Objects.requireNonNull(warmUp);
        return this;
    }

    /** After {@link #install}: one line on the AppCDS archive (made, skipped, or why not). */
    public String archiveNote() {
        return archiveNote;
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
            Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.prefix)")
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
        if (archived) {
            // the launcher checks the archive, then execs the JVM with it or without it
            argv.addAll(List.of("/bin/sh", "{resource_dir}/" + LAUNCHER_NAME, "{connection_file}"));
            return spec(argv);
        }
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
        return spec(argv);
    }

    private static Map<String, Object> spec(List<String> argv) {
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
        archived = false;
        archiveNote = "";
        // An archive from an earlier install no longer matches the jar just copied.
        Files.deleteIfExists(dir.resolve(ARCHIVE_NAME));
        Files.deleteIfExists(dir.resolve(LAUNCHER_NAME));
        if (appCds && classPath == null) {
            if (isWindows()) {
                archiveNote = "no AppCDS archive on Windows (no launcher to check it); the kernel starts without one";
            } else {
                archiveNote = createArchive(dir);
            }
        }
        if (archived) {
            Files.writeString(dir.resolve(LAUNCHER_NAME), launcher(Files.size(dir.resolve(ARCHIVE_NAME))));
        }
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(
                dir.resolve("kernel.json"), mapper.writeValueAsString(kernelJson()) + "\n", StandardCharsets.UTF_8);
        return dir;
    }

    /**
     * Runs the installed kernel once on a tiny notebook with {@code -XX:ArchiveClassesAtExit}, so the
     * archive holds what a kernel loads up to its first result (JShell, javac, the kernel, Jackson).
     * Any failure leaves no archive and a kernel.json without it.
     */
    private String createArchive(Path dir) throws IOException {
        Path archive = dir.resolve(ARCHIVE_NAME);
        Path partial = dir.resolve(ARCHIVE_NAME + ".tmp");
        Path work = Files.createTempDirectory("peft4j-cds");
        try {
            Path notebook = work.resolve("warm-up.ipynb");
            Files.writeString(notebook, warmUpNotebook(), StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>();
            command.add(java);
            command.add("-XX:ArchiveClassesAtExit=" + partial);
            command.addAll(jvmOptions);
            command.add("-jar");
            command.add(dir.resolve(JAR_NAME).toString());
            command.addAll(List.of("execute", notebook.toString(), "--quiet", "--allow-errors"));
            Files.deleteIfExists(partial);
            try {
                warmUp.run(command, work);
            } catch (IOException e) {
                Files.deleteIfExists(partial);
                return "no AppCDS archive (" + e.getMessage() + "); the kernel starts without one";
            }
            if (!Files.isRegularFile(partial) || Files.size(partial) == 0) {
                Files.deleteIfExists(partial);
                return "no AppCDS archive (the warm-up wrote none); the kernel starts without one";
            }
            Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            // -Xshare:on fails instead of warning: proof that the kernel's JVM maps this archive. JDK 17
            // aborts on a truncated archive even with -Xshare:auto, so a bad dump must not be kept.
            List<String> check = new ArrayList<>();
            check.add(java);
            check.add("-XX:SharedArchiveFile=" + archive);
            check.add("-Xshare:on");
            check.addAll(jvmOptions);
            check.addAll(List.of("-jar", dir.resolve(JAR_NAME).toString(), "--help"));
            try {
                warmUp.run(check, work);
            } catch (IOException e) {
                Files.deleteIfExists(archive);
                return "no AppCDS archive (it did not load: " + e.getMessage() + "); the kernel starts without one";
            }
            archived = true;
            return "AppCDS archive " + archive;
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
    }

    /**
     * The launcher {@code kernel.json} runs when there is an archive: the JVM with the archive while
     * it has {@code archiveSize} bytes, else without it and a one-line note on standard error.
     * {@code exec} leaves the JVM as the process Jupyter started, for its signals.
     */
    String launcher(long archiveSize) {
        String java = shellQuote(this.java);
        StringBuilder opts = new StringBuilder();
        for (String o : jvmOptions) {
            opts.append(' ').append(shellQuote(o));
        }
        String jar = " -jar \"$here/" + JAR_NAME + "\" \"$@\"\n";
        return "#!/bin/sh\n"
                + "# peft4j kernel launcher, written by `peft4j-kernel install` with the AppCDS archive.\n"
                + "# A truncated archive aborts JDK 17 even with -Xshare:auto, so it is used only at the\n"
                + "# size it was written with; -XX:+VerifySharedSpaces skips one whose contents changed.\n"
                + "here=$(dirname \"$0\")\n"
                + "archive=\"$here/" + ARCHIVE_NAME + "\"\n"
                + "size=$(wc -c < \"$archive\" 2>/dev/null | tr -d ' ')\n"
                + "if [ \"$size\" = \"" + archiveSize + "\" ]; then\n"
                + "  exec " + java + " -XX:SharedArchiveFile=\"$archive\" -Xshare:auto -XX:+VerifySharedSpaces"
                + opts + jar
                + "fi\n"
                + "echo \"peft4j: the AppCDS archive $archive is missing or damaged; starting without it"
                + " (install the kernel again to rebuild it)\" >&2\n"
                + "exec " + java + opts + jar;
    }

    /** {@code 'text'}, with each {@code '} written as {@code '\''}. */
    static String shellQuote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    // What a kernel runs up to its first results: a value, a println, a record, a toolkit import; then
    // the classes that serving Jupyter loads (the warm-up runs no Jupyter connection): ZeroMQ,
    // JJava's protocol classes, Gson, SLF4J, the kernel's own, HMAC message signing and NIO sockets. Loading a class
    // without initialising it is enough for the archive.
    private static final List<String> WARM_UP_CELLS = List.of(
            "1 + 1",
            "record P(int a) {}\nSystem.out.println(new P(2));\n"
                    + "java.util.List.of(1, 2).stream().map(x -> x * 2).toList()",
            "import ai.peft4j.*;\nPeft.lora().r(8).targets(\"q\").build()",
            String.join(
                    "\n",
                    "var mac = javax.crypto.Mac.getInstance(\"HmacSHA256\");",
                    "mac.init(new javax.crypto.spec.SecretKeySpec(new byte[16], \"HmacSHA256\"));",
                    "mac.doFinal(new byte[16]);",
                    "java.nio.channels.Selector.open().close();",
                    "java.nio.channels.ServerSocketChannel.open()",
                    "    .bind(new java.net.InetSocketAddress(\"127.0.0.1\", 0)).close();",
                    "var loader = ClassLoader.getSystemClassLoader();",
                    "var prefixes = java.util.List.of(\"zmq/\", \"org/zeromq/\", \"org/dflib/jjava/jupyter/\",",
                    "    \"com/google/gson/\", \"org/slf4j/\", \"ai/peft4j/kernel/\");",
                    "try (var jar = new java.util.jar.JarFile(System.getProperty(\"java.class.path\"))) {",
                    "  jar.stream().map(e -> e.getName())",
                    "      .filter(n -> n.endsWith(\".class\") && !n.contains(\"-\")",
                    "          && prefixes.stream().anyMatch(n::startsWith))",
                    "      .forEach(n -> {",
                    "        try {",
                    "          Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), false, loader);",
                    "        } catch (Throwable t) {",
                    "          // optional dependencies of a library: not needed at start-up",
                    "        }",
                    "      });",
                    "}"));

    private static String warmUpNotebook() throws IOException {
        List<Map<String, Object>> cells = new ArrayList<>();
        for (String source : WARM_UP_CELLS) {
            Map<String, Object> cell = new LinkedHashMap<>();
            cell.put("cell_type", "code");
            cell.put("metadata", Map.of());
            cell.put("outputs", List.of());
            cell.put("execution_count", null);
            cell.put("source", source);
            cells.add(cell);
        }
        Map<String, Object> nb = new LinkedHashMap<>();
        nb.put("nbformat", 4);
        nb.put("nbformat_minor", 5);
        nb.put("metadata", Map.of());
        nb.put("cells", cells);
        return new ObjectMapper().writeValueAsString(nb);
    }

    /** The default: a JVM run, at most five minutes, its output discarded. */
    static void runWarmUp(List<String> command, Path workDir) throws IOException {
        Process p = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        try {
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("the warm-up took longer than 5 minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("the warm-up was interrupted");
        }
        if (p.exitValue() != 0) {
            throw new IOException("the warm-up exited with status " + p.exitValue());
        }
    }

    /** The jar this kernel runs from; fails when running from a classes directory. */
    static Path ownJar() throws IOException {
        try {
            Path p = Path.of(KernelInstaller.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (!Files.isRegularFile(p)) {
                throw new IOException("not running from a jar ("
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
