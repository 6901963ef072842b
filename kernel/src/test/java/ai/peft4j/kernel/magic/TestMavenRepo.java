package ai.peft4j.kernel.magic;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A Maven repository made on the spot, so that {@code %maven} tests need no network and nothing
 * from {@code ~/.m2}: {@code test.peft4j:greeter:1.0} (class {@code demo.greeter.Greeter}) depends
 * on {@code test.peft4j:words:1.0} (class {@code demo.words.Words}).
 */
final class TestMavenRepo {
    static final String GREETER = "test.peft4j:greeter:1.0";

    private TestMavenRepo() {}

    /** Writes the two artifacts under {@code root}, laid out as a Maven repository. */
    static Path create(Path root, Path work) throws IOException {
        Path words = jar(
                work.resolve("words"),
                "demo.words.Words",
                "package demo.words; public class Words { public static String hello() { return \"hello from words\"; } }",
                List.of());
        Path greeter = jar(
                work.resolve("greeter"),
                "demo.greeter.Greeter",
                "package demo.greeter; public class Greeter {"
                        + " public static String greet(String who) { return demo.words.Words.hello() + \", \" + who; } }",
                List.of(words));
        install(root, "words", words, "");
        install(
                root,
                "greeter",
                greeter,
                "<dependencies><dependency><groupId>test.peft4j</groupId><artifactId>words</artifactId>"
                        + "<version>1.0</version></dependency></dependencies>");
        return root;
    }

    private static void install(Path root, String artifact, Path jar, String dependencies) throws IOException {
        Path dir = root.resolve("test/peft4j/" + artifact + "/1.0");
        Files.createDirectories(dir);
        Files.copy(jar, dir.resolve(artifact + "-1.0.jar"));
        Files.writeString(
                dir.resolve(artifact + "-1.0.pom"),
                "<project><modelVersion>4.0.0</modelVersion><groupId>test.peft4j</groupId>"
                        + "<artifactId>" + artifact + "</artifactId><version>1.0</version>"
                        + dependencies + "</project>");
        for (String ext : List.of(".jar", ".pom")) { // as a real repository has them
            Path f = dir.resolve(artifact + "-1.0" + ext);
            Files.writeString(f.resolveSibling(f.getFileName() + ".sha1"), sha1(Files.readAllBytes(f)));
        }
    }

    private static String sha1(byte[] data) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compiles one class and packs it into {@code dir/out.jar}. */
    static Path jar(Path dir, String className, String source, List<Path> classPath) throws IOException {
        Path src = dir.resolve("src/" + className.replace('.', '/') + ".java");
        Path classes = dir.resolve("classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(classes);
        Files.writeString(src, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String cp = String.join(
                java.io.File.pathSeparator,
                classPath.stream().map(Path::toString).toList());
        int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", cp.isEmpty() ? "." : cp, src.toString());
        if (rc != 0) {
            throw new IllegalStateException("javac failed for " + className);
        }
        Path jar = dir.resolve("out.jar");
        try (OutputStream os = Files.newOutputStream(jar);
                JarOutputStream jos = new JarOutputStream(os);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                jos.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                jos.write(Files.readAllBytes(f));
                jos.closeEntry();
            }
        }
        return jar;
    }
}
