package ai.peft4j.kernel.magic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.kernel.eval.CellResult;
import ai.peft4j.kernel.eval.CompilationException;
import ai.peft4j.kernel.eval.JShellEvaluator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MagicsTest {
    @TempDir
    Path tmp;

    private Path remote;
    private JShellEvaluator eval;

    @BeforeEach
    void start() throws Exception {
        remote = TestMavenRepo.create(tmp.resolve("remote"), tmp.resolve("build"));
        eval = JShellEvaluator.create();
    }

    @AfterEach
    void stop() {
        eval.close();
    }

    private MavenConfig online(Path local) {
        return new MavenConfig(
                local, List.of(new MavenConfig.Repository("test", remote.toUri().toString())), false);
    }

    private static MavenConfig offline(Path local) {
        return new MavenConfig(local, List.of(), true);
    }

    /** What {@code run} printed to System.out. */
    private static String stdout(Supplier<?> run) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            run.get();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void mavenAddsTheArtifactAndItsDependenciesToTheClassPath() {
        Path local = tmp.resolve("local");
        Magics magics = new Magics(eval, online(local));
        assertThrows(CompilationException.class, () -> magics.eval("demo.greeter.Greeter.greet(\"x\")", "In [1]"));

        CellResult r =
                magics.eval("%maven " + TestMavenRepo.GREETER + "\ndemo.greeter.Greeter.greet(\"notebook\")", "In [2]");
        assertEquals("hello from words, notebook", r.value());
        assertTrue(Files.isRegularFile(local.resolve("test/peft4j/words/1.0/words-1.0.jar")));
        assertTrue(
                eval.classPath().stream().anyMatch(e -> e.endsWith("words-1.0.jar")),
                eval.classPath().toString());
    }

    @Test
    void mavenWorksOfflineFromTheLocalRepository() {
        Path local = tmp.resolve("local");
        new Magics(eval, online(local)).eval("%maven " + TestMavenRepo.GREETER, "In [1]");
        try (JShellEvaluator fresh = JShellEvaluator.create()) {
            Magics magics = new Magics(fresh, offline(local));
            CellResult r = magics.eval(
                    "%maven " + TestMavenRepo.GREETER + "\ndemo.greeter.Greeter.greet(\"offline\")", "In [1]");
            assertEquals("hello from words, offline", r.value());
        }
    }

    @Test
    void whatTheKernelAlreadyLoadsIsNeitherResolvedNorAdded() {
        MavenResolver resolver =
                new MavenResolver(online(tmp.resolve("local")), () -> Map.of("test.peft4j:words", "1.0"));
        MavenResolver.Resolution r =
                resolver.resolve(List.of(MavenResolver.parseCoordinates(TestMavenRepo.GREETER)), List.of());
        assertEquals(
                List.of("greeter-1.0.jar"),
                r.jars().stream().map(p -> p.getFileName().toString()).toList());
        r = resolver.resolve(List.of(MavenResolver.parseCoordinates("test.peft4j:words:2.0")), List.of());
        assertEquals(List.of(), r.jars());
        assertEquals(
                List.of("test.peft4j:words 1.0 is already on the kernel's class path; it is used instead of 2.0"),
                r.alreadyThere());
    }

    @Test
    void theKernelsOwnArtifactsAreFoundOnItsClassPath() {
        Map<String, String> found = ClassPathArtifacts.scan(System.getProperty("java.class.path"));
        assertEquals("3.8.8", found.get("org.knowm.xchart:xchart"));
        assertEquals("1.0-a6", found.get("org.dflib.jjava:jjava-jupyter"));
    }

    @Test
    void anArtifactThatDoesNotResolveGivesOneLine() {
        Magics magics = new Magics(eval, offline(tmp.resolve("empty")));
        MagicException e =
                assertThrows(MagicException.class, () -> magics.eval("%maven test.peft4j:missing:1.0", "In [1]"));
        assertTrue(e.getMessage().startsWith("cannot resolve test.peft4j:missing:jar:1.0"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertEquals(List.of(e.getMessage()), e.traceback());

        e = assertThrows(MagicException.class, () -> magics.eval("%maven commons-lang3", "In [2]"));
        assertTrue(e.getMessage().startsWith("%maven: bad coordinates commons-lang3"), e.getMessage());
    }

    @Test
    void loadFromPomReadsDependenciesRepositoriesAndProperties() {
        Magics magics = new Magics(eval, new MavenConfig(tmp.resolve("local"), List.of(), false));
        String cell = String.join(
                "\n",
                "%%loadFromPOM",
                "<properties><greeter.version>1.0</greeter.version></properties>",
                "<repositories>",
                "  <repository><id>test</id><url>" + remote.toUri() + "</url></repository>",
                "</repositories>",
                "<dependencies>",
                "  <dependency>",
                "    <groupId>test.peft4j</groupId><artifactId>greeter</artifactId>",
                "    <version>${greeter.version}</version>",
                "  </dependency>",
                "  <dependency>",
                "    <groupId>test.peft4j</groupId><artifactId>only-for-tests</artifactId>",
                "    <version>9</version><scope>test</scope>",
                "  </dependency>",
                "</dependencies>");
        assertFalse(magics.eval(cell, "In [1]").hasValue());
        assertEquals(
                "hello from words, pom",
                magics.eval("demo.greeter.Greeter.greet(\"pom\")", "In [2]").value());

        MagicException e =
                assertThrows(MagicException.class, () -> magics.eval("%%loadFromPOM\n<dependency>", "In [3]"));
        assertTrue(e.getMessage().startsWith("%%loadFromPOM: the cell is not well-formed XML"), e.getMessage());
    }

    @Test
    void jarsAddsGlobMatchesAndClasspathPrintsThePath() throws Exception {
        Path lib = tmp.resolve("lib");
        Files.createDirectories(lib);
        Files.copy(remote.resolve("test/peft4j/words/1.0/words-1.0.jar"), lib.resolve("words.jar"));
        Files.writeString(lib.resolve("notes.txt"), "not a jar");
        Magics magics = new Magics(eval, offline(tmp.resolve("local")));
        magics.eval("%jars " + lib + "/*.jar", "In [1]");
        assertEquals(
                "hello from words",
                magics.eval("demo.words.Words.hello()", "In [2]").value());

        String printed = stdout(() -> magics.eval("%classpath", "In [3]"));
        assertTrue(
                printed.lines().anyMatch(l -> l.equals(lib.resolve("words.jar").toString())), printed);
        assertFalse(printed.contains("notes.txt"), printed);

        MagicException e = assertThrows(MagicException.class, () -> magics.eval("%jars " + lib + "/*.zip", "In [4]"));
        assertEquals("%jars: nothing matches " + lib + "/*.zip", e.getMessage());
    }

    @Test
    void timePrintsTheWallTimeAndKeepsTheValue() {
        Magics magics = new Magics(eval, offline(tmp));
        CellResult[] r = new CellResult[1];
        String printed = stdout(() -> r[0] = magics.eval("int base = 40;\n%time base + 2", "In [1]"));
        assertEquals(42, r[0].value());
        assertTrue(printed.matches("Wall time: [0-9.]+ (s|ms|\u00b5s|ns)\\R"), printed);

        printed = stdout(() -> r[0] = magics.eval("%%time\nint t = 1;\nt + 1", "In [2]"));
        assertEquals(2, r[0].value());
        assertTrue(printed.startsWith("Wall time: "), printed);
    }

    @Test
    void timeitPrintsMeanAndStdDevLikeIPython() {
        Magics magics = new Magics(eval, offline(tmp));
        String printed = stdout(() -> magics.eval("%timeit -n 20 -r 3 Math.sqrt(2.0)", "In [1]"));
        assertTrue(
                printed.matches("[0-9.]+ (s|ms|\u00b5s|ns) \u00b1 [0-9.]+ (s|ms|\u00b5s|ns) per loop"
                        + " \\(mean \u00b1 std. dev. of 3 runs, 20 loops each\\)\\R"),
                printed);
        printed = stdout(() -> magics.eval("%%timeit -r 2\nint x = 0;\nx++;", "In [2]"));
        assertTrue(printed.contains("of 2 runs, "), printed);
        // the timing method is gone afterwards
        assertThrows(CompilationException.class, () -> magics.eval("__peft4jTimeit(1L, new Object[1])", "In [3]"));
    }

    @Test
    void codeAroundMagicsKeepsItsLineNumbers() {
        Magics magics = new Magics(eval, offline(tmp));
        CompilationException e = assertThrows(
                CompilationException.class, () -> magics.eval("int a = 1;\n%classpath\nint b = \"two\";", "In [1]"));
        assertEquals(3, e.diagnostics().get(0).line());
    }

    @Test
    void unknownMagicsAreNamedAndJavaCellsSkipMagics() {
        Magics magics = new Magics(eval, offline(tmp));
        magics.eval("int x = 5;", "In [1]");
        MagicException e = assertThrows(MagicException.class, () -> magics.eval("int r = 17\n%x;", "In [2]"));
        assertTrue(e.getMessage().startsWith("unknown line magic %x; (known: %maven"), e.getMessage());
        assertEquals(2, magics.eval("%%java\nint r = 17\n%x;\nr", "In [3]").value());
        e = assertThrows(MagicException.class, () -> magics.eval("%%nope\n1", "In [4]"));
        assertTrue(e.getMessage().startsWith("unknown cell magic %%nope"), e.getMessage());
    }

    @Test
    void timesAreWrittenLikeIPython() {
        assertEquals("1.52 ms", Timing.format(0.001523));
        assertEquals("2 s", Timing.format(2.0));
        assertEquals("87.3 ns", Timing.format(87.3e-9));
        assertEquals("1 s", Timing.format(0.9997));
        assertEquals("1min 3s", Timing.format(63.2));
        assertEquals("9.37e-08 ns", Timing.format(9.37e-17));
        assertEquals(
                "1.5 \u00b5s \u00b1 500 ns per loop (mean \u00b1 std. dev. of 2 runs, 1,000 loops each)",
                Timing.timeitSummary(new long[] {1_000_000, 2_000_000}, 1000));
    }
}
