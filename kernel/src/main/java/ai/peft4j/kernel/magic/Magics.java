package ai.peft4j.kernel.magic;

import ai.peft4j.kernel.eval.CellResult;
import ai.peft4j.kernel.eval.CompilationException;
import ai.peft4j.kernel.eval.JShellEvaluator;
import java.io.File;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jshell.MethodSnippet;

/**
 * Runs cells that may hold magics, in front of a {@link JShellEvaluator}. A line whose first
 * character (after blanks) is {@code %} followed by a letter is a line magic; a cell whose first
 * line starts with {@code %%} is a cell magic. Code around line magics runs in order, keeping its
 * cell line numbers in errors.
 *
 * <pre>
 * %maven org.knowm.xchart:xchart:3.8.8       // and its runtime dependencies, from ~/.m2 or Central
 * %mavenRepo jitpack https://jitpack.io       // one more remote repository for %maven
 * %jars lib/*.jar                            // glob; a folder adds the jars in it
 * %classpath                                 // prints the class path; with globs, adds entries
 * %time model.forward(x)                     // runs the rest of the line, prints the wall time
 * %timeit -n 100 -r 5 Math.sqrt(2.0)          // IPython's mean ± std. dev. over runs
 * %%loadFromPOM                              // body: &lt;dependency&gt;, &lt;repository&gt;... elements
 * %%time / %%timeit                          // the same, for the whole cell
 * %%java                                     // the body is plain Java: no magics (a line may start with %)
 * </pre>
 *
 * <p>A magic that fails raises a one-line {@link MagicException}.
 */
public final class Magics {
    /** Line magics, IJava's names first. */
    public static final List<String> LINE_MAGICS = List.of(
            "maven", "addMavenDependency", "addMavenDependencies", "mavenRepo", "jars", "classpath", "time", "timeit");

    /** Cell magics. */
    public static final List<String> CELL_MAGICS = List.of("loadFromPOM", "time", "timeit", "java");

    /** Without {@code -r}, {@code %timeit} does at most 7 runs and stops adding runs past this. */
    static final double TIMEIT_BUDGET_SECONDS = 10;

    private static final String TIMEIT_METHOD = "__peft4jTimeit";

    private final JShellEvaluator evaluator;
    private final Supplier<MavenConfig> mavenConfig;
    private MavenResolver maven;

    /** Magics with the Maven settings of {@link MavenConfig#fromEnvironment()}. */
    public Magics(JShellEvaluator evaluator) {
        this(evaluator, MavenConfig::fromEnvironment);
    }

    public Magics(JShellEvaluator evaluator, MavenConfig mavenConfig) {
        this(evaluator, () -> mavenConfig);
    }

    private Magics(JShellEvaluator evaluator, Supplier<MavenConfig> mavenConfig) {
        this.evaluator = evaluator;
        this.mavenConfig = mavenConfig;
    }

    /** The evaluator the code runs in. */
    public JShellEvaluator evaluator() {
        return evaluator;
    }

    /**
     * Evaluates a cell: magics run, code goes to the evaluator.
     *
     * @return the value of the cell's last code (for {@code %time expr}, the expression's value)
     * @throws MagicException when a magic fails; other {@code CellException}s as the evaluator
     *     raises them
     */
    public CellResult eval(String cell, String cellLabel) {
        int first = 0;
        while (first < cell.length() && Character.isWhitespace(cell.charAt(first))) {
            first++;
        }
        if (cell.startsWith("%%", first)) {
            int eol = cell.indexOf('\n', first);
            String header = (eol < 0 ? cell.substring(first + 2) : cell.substring(first + 2, eol)).strip();
            String body = eol < 0 ? "" : cell.substring(eol + 1);
            int bodyLine = eol < 0 ? 0 : lineCount(cell, eol + 1);
            return cellMagic(header, body, bodyLine, cellLabel);
        }
        return evalLines(cell, 0, cellLabel);
    }

    private CellResult cellMagic(String header, String body, int bodyLine, String label) {
        List<String> args = tokens(header);
        String name = args.isEmpty() ? "" : args.remove(0);
        switch (name) {
            case "java":
                return evaluator.eval(pad(bodyLine) + body, label);
            case "loadFromPOM":
                PomFragment pom = PomFragment.parse(body);
                addResolved(maven().resolve(pom.dependencies(), pom.repositories()));
                return CellResult.NONE;
            case "time":
                return time(() -> evalLines(body, bodyLine, label));
            case "timeit":
                timeit(args, body, bodyLine, label, "%%timeit");
                return CellResult.NONE;
            default:
                throw new MagicException("unknown cell magic %%" + name + " (known: "
                        + CELL_MAGICS.stream().map(m -> "%%" + m).collect(Collectors.joining(", ")) + ")");
        }
    }

    /** Runs code and line magics in order; {@code firstLine} is the 0-based cell line of {@code text}. */
    private CellResult evalLines(String text, int firstLine, String label) {
        List<String> lines = splitKeepingNewlines(text);
        if (lines.stream().noneMatch(Magics::isLineMagic)) {
            return evaluator.eval(pad(firstLine) + text, label);
        }
        CellResult result = CellResult.NONE;
        StringBuilder code = new StringBuilder();
        int codeLine = firstLine;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!isLineMagic(line)) {
                code.append(line);
                continue;
            }
            if (!code.toString().isBlank()) {
                result = evaluator.eval(pad(codeLine) + code, label);
            }
            code.setLength(0);
            result = lineMagic(line.strip(), firstLine + i, label);
            codeLine = firstLine + i + 1;
        }
        if (!code.toString().isBlank()) {
            result = evaluator.eval(pad(codeLine) + code, label);
        }
        return result;
    }

    static boolean isLineMagic(String line) {
        String s = line.strip();
        return s.length() > 1 && s.charAt(0) == '%' && Character.isLetter(s.charAt(1));
    }

    private CellResult lineMagic(String line, int lineIndex, String label) {
        int nameEnd = 1;
        while (nameEnd < line.length() && !Character.isWhitespace(line.charAt(nameEnd))) {
            nameEnd++;
        }
        String name = line.substring(1, nameEnd);
        String rest = line.substring(nameEnd).strip();
        List<String> args = tokens(rest);
        switch (name) {
            case "maven":
            case "addMavenDependency":
            case "addMavenDependencies":
                if (args.isEmpty()) {
                    throw new MagicException("usage: %maven group:artifact:version [more coordinates]");
                }
                addResolved(maven().resolve(
                                args.stream()
                                        .map(MavenResolver::parseCoordinates)
                                        .toList(),
                                List.of()));
                return CellResult.NONE;
            case "mavenRepo":
                if (args.size() != 2) {
                    throw new MagicException("usage: %mavenRepo ID URL");
                }
                maven().addRepository(new MavenConfig.Repository(args.get(0), args.get(1)));
                return CellResult.NONE;
            case "jars":
                if (args.isEmpty()) {
                    throw new MagicException("usage: %jars PATH_OR_GLOB... (e.g. %jars lib/*.jar)");
                }
                List<Path> jars = new ArrayList<>();
                for (String pattern : args) {
                    for (Path p : glob("%jars", pattern)) {
                        jars.addAll(Files.isDirectory(p) ? jarsIn(p) : List.of(p));
                    }
                }
                addJars(jars);
                return CellResult.NONE;
            case "classpath":
                if (args.isEmpty()) {
                    evaluator.classPath().forEach(System.out::println);
                    return CellResult.NONE;
                }
                List<Path> entries = new ArrayList<>();
                for (String pattern : args) {
                    entries.addAll(glob("%classpath", pattern));
                }
                addJars(entries);
                return CellResult.NONE;
            case "time":
                if (rest.isEmpty()) {
                    throw new MagicException("usage: %time CODE (or %%time on the first line of a cell)");
                }
                return time(() -> evaluator.eval(pad(lineIndex) + rest, label));
            case "timeit":
                timeit(args, null, lineIndex, label, "%timeit");
                return CellResult.NONE;
            default:
                throw new MagicException("unknown line magic %" + name + " (known: "
                        + LINE_MAGICS.stream().map(m -> "%" + m).collect(Collectors.joining(", "))
                        + "; start the cell with %%java if the line is Java)");
        }
    }

    private synchronized MavenResolver maven() {
        if (maven == null) {
            maven = new MavenResolver(
                    mavenConfig.get(), () -> ClassPathArtifacts.scan(System.getProperty("java.class.path", "")));
        }
        return maven;
    }

    private void addResolved(MavenResolver.Resolution r) {
        r.alreadyThere().forEach(System.out::println);
        addJars(r.jars());
    }

    private void addJars(List<Path> paths) {
        evaluator.addToClasspath(paths.stream().map(Path::toString).toList());
    }

    private static CellResult time(Supplier<CellResult> run) {
        long t0 = System.nanoTime();
        CellResult r = run.get();
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.println("Wall time: " + Timing.format(seconds));
        return r;
    }

    /**
     * IPython's {@code %timeit}: loops per run grow (1, 2, 5, 10, 20, 50...) until a run takes 0.2
     * s, then 7 runs, fewer when they would take longer than {@link #TIMEIT_BUDGET_SECONDS} in all.
     * {@code -n} and {@code -r} set loops and runs.
     *
     * @param body the cell body for {@code %%timeit}; {@code null}: the code is in {@code args}
     */
    private void timeit(List<String> args, String body, int firstLine, String label, String magic) {
        long loops = 0;
        int runs = 0;
        List<String> rest = new ArrayList<>(args);
        while (rest.size() >= 2 && (rest.get(0).equals("-n") || rest.get(0).equals("-r"))) {
            String flag = rest.remove(0);
            String value = rest.remove(0);
            long v;
            try {
                v = Long.parseLong(value);
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v <= 0 || (flag.equals("-r") && v > 1000)) {
                throw new MagicException(magic + ": " + flag + " needs a positive whole number, not " + value);
            }
            if (flag.equals("-n")) {
                loops = v;
            } else {
                runs = (int) v;
            }
        }
        String code = body != null ? body : String.join(" ", rest);
        if (code.isBlank()) {
            throw new MagicException("usage: " + magic + " [-n LOOPS] [-r RUNS] CODE");
        }
        defineTimer(code, firstLine, label);
        try {
            List<Long> times = new ArrayList<>();
            if (loops == 0) {
                outer:
                for (long scale = 1; ; scale *= 10) {
                    for (long base : new long[] {1, 2, 5}) {
                        loops = base * scale;
                        long t = runTimer(loops, label);
                        if (t >= 200_000_000L || loops >= 1_000_000_000L) {
                            times.add(t); // the calibrating run counts as the first
                            break outer;
                        }
                    }
                }
            }
            if (runs == 0) {
                double first = times.isEmpty() ? runTimer(loops, label) / 1e9 : times.get(0) / 1e9;
                if (times.isEmpty()) {
                    times.add((long) (first * 1e9));
                }
                runs = (int) Math.max(1, Math.min(7, Math.floor(TIMEIT_BUDGET_SECONDS / Math.max(first, 1e-9))));
            }
            while (times.size() < runs) {
                times.add(runTimer(loops, label));
            }
            long[] all = times.stream().mapToLong(Long::longValue).toArray();
            System.out.println(Timing.timeitSummary(all, loops));
        } finally {
            dropTimer();
        }
    }

    /** Defines the timing method: the code as statements, or failing that as an expression. */
    private void defineTimer(String code, int firstLine, String label) {
        // the value goes to an array the caller owns, so the JIT cannot drop the work as unused
        String head = "long " + TIMEIT_METHOD + "(long loops$, Object[] sink$) throws Throwable {"
                + " long t0$ = System.nanoTime(); for (long i$ = 0; i$ < loops$; i$++) { ";
        String tail = "\n} return System.nanoTime() - t0$; }";
        try {
            evaluator.eval(pad(firstLine) + head + code + "\n;" + tail, label);
        } catch (CompilationException asStatements) {
            String expr = code.strip();
            while (expr.endsWith(";")) {
                expr = expr.substring(0, expr.length() - 1).strip();
            }
            try {
                evaluator.eval(pad(firstLine) + head + "sink$[0] = (" + expr + "\n);" + tail, label);
            } catch (CompilationException asExpression) {
                throw asStatements;
            }
        }
    }

    private long runTimer(long loops, String label) {
        Object v = evaluator
                .eval(TIMEIT_METHOD + "(" + loops + "L, new Object[1])", label)
                .value();
        return (Long) v;
    }

    private void dropTimer() {
        List<MethodSnippet> timers = evaluator
                .shell()
                .methods()
                .filter(m -> m.name().equals(TIMEIT_METHOD))
                .toList();
        timers.forEach(evaluator.shell()::drop);
    }

    /** Files and folders matching a glob ({@code *}, {@code ?}, {@code **}, {@code {a,b}}). */
    static List<Path> glob(String magic, String pattern) {
        String p = pattern.startsWith("~/") ? System.getProperty("user.home") + pattern.substring(1) : pattern;
        p = p.replace(File.separatorChar, '/');
        String[] parts = p.split("/", -1);
        int firstGlob = 0;
        while (firstGlob < parts.length && !hasGlob(parts[firstGlob])) {
            firstGlob++;
        }
        if (firstGlob == parts.length) {
            Path plain = Path.of(pattern.startsWith("~/") ? p : pattern);
            if (!Files.exists(plain)) {
                throw new MagicException(magic + ": " + pattern + " does not exist");
            }
            return List.of(plain.toAbsolutePath().normalize());
        }
        String baseText = String.join("/", java.util.Arrays.copyOfRange(parts, 0, firstGlob));
        Path base = (firstGlob == 0 ? Path.of(".") : Path.of(baseText.isEmpty() ? "/" : baseText))
                .toAbsolutePath()
                .normalize();
        String restGlob = String.join("/", java.util.Arrays.copyOfRange(parts, firstGlob, parts.length));
        String full = base.toString().replace(File.separatorChar, '/') + "/" + restGlob;
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + full);
        int depth = restGlob.contains("**") ? Integer.MAX_VALUE : parts.length - firstGlob;
        List<Path> found;
        if (!Files.isDirectory(base)) {
            found = List.of();
        } else {
            try (Stream<Path> walk = Files.walk(base, depth)) {
                found = walk.filter(matcher::matches).sorted().toList();
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new MagicException(magic + ": cannot list " + base + ": " + e.getMessage());
            }
        }
        if (found.isEmpty()) {
            throw new MagicException(magic + ": nothing matches " + pattern);
        }
        return found;
    }

    private static boolean hasGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
    }

    private static List<Path> jarsIn(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f ->
                            f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new MagicException("%jars: cannot list " + dir + ": " + e.getMessage());
        }
    }

    /** Words, with "double" or 'single' quotes holding spaces. */
    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                cur = cur == null ? new StringBuilder() : cur;
            } else if (Character.isWhitespace(c)) {
                if (cur != null) {
                    out.add(cur.toString());
                    cur = null;
                }
            } else {
                cur = cur == null ? new StringBuilder() : cur;
                cur.append(c);
            }
        }
        if (cur != null) {
            out.add(cur.toString());
        }
        return out;
    }

    private static List<String> splitKeepingNewlines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            lines.add(text.substring(start, end));
            start = end;
        }
        return lines;
    }

    private static int lineCount(String s, int end) {
        int n = 0;
        for (int i = 0; i < end; i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    /** Blank lines that put code on its own cell line in error messages. */
    private static String pad(int lines) {
        return "\n".repeat(Math.max(0, lines));
    }
}
