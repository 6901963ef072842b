package ai.peft4j.kernel.eval;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.VarSnippet;

/**
 * Evaluates notebook cells with JShell, in this JVM. Knows nothing about Jupyter, so it can be
 * used (and tested) on its own; the kernel and the headless notebook runner both drive it.
 *
 * <ul>
 *   <li>A cell may hold many snippets (classes, methods, statements); they run in order and the
 *       value of a trailing expression is the cell's {@link CellResult}, as the real object.
 *   <li>Failures raise one exception per kind: {@link CompilationException} (with cell line
 *       numbers), {@link IncompleteSourceException}, {@link EvaluationException} (user frames
 *       only), {@link UnresolvedReferenceException}, {@link EvaluationInterruptedException}.
 *   <li>{@link #interrupt()} may be called from any thread; it stops a running cell and keeps
 *       everything defined so far. A cell that ignores the stop is abandoned after {@link
 *       Builder#stopGrace(Duration)}, so the caller always gets control back.
 *   <li>{@code System.exit}, {@code Runtime.exit} and {@code Runtime.halt} in cell code end the
 *       cell with a {@link SystemExitException} instead of the JVM.
 * </ul>
 *
 * <p>Standard output is not captured here: user code writes to {@code System.out}, which the host
 * redirects while a cell runs.
 */
public final class JShellEvaluator implements AutoCloseable {

    /** Imports every session starts with. */
    public static final List<String> DEFAULT_IMPORTS = List.of(
            "ai.peft4j.*",
            "ai.peft4j.config.*",
            "ai.peft4j.models.*",
            "ai.peft4j.models.auto.*",
            "ai.peft4j.models.opt.*",
            "ai.peft4j.tuners.lora.*",
            "ai.peft4j.nn.*",
            "ai.djl.ndarray.*",
            "ai.djl.ndarray.types.*",
            "java.nio.file.*",
            "java.util.*");

    /** Static imports of the notebook runtime facade ({@code display}, {@code updateDisplay}). */
    public static final List<String> DEFAULT_STATIC_IMPORTS =
            List.of("ai.peft4j.kernel.runtime.Notebook.display", "ai.peft4j.kernel.runtime.Notebook.updateDisplay");

    private static final Pattern SNIPPET_CLASS = Pattern.compile("^REPL\\.\\$JShell\\$\\d+[A-Z]?\\$?");
    private static final List<String> INTERNAL_FRAME_PREFIXES = List.of(
            "jdk.internal.reflect.", "java.lang.reflect.", "jdk.jshell.", "ai.peft4j.kernel.eval.", "java.lang.Thread");

    /** Where a snippet came from: a cell label and the cell line its first line sits on. */
    private record Origin(String cellLabel, int startLine) {}

    private final JShell shell;
    private final SourceCodeAnalysis analysis;
    private final CapturingExecutionControl.Slot slot = new CapturingExecutionControl.Slot();
    private final Map<String, Origin> origins = new ConcurrentHashMap<>();
    private final List<String> imports;
    private final String classPath;
    private final List<String> addedClassPath = new CopyOnWriteArrayList<>();
    private final Duration stopGrace;
    private volatile boolean stopRequested;
    /** Generation of the cell now running, 0 when idle: late stop escalations check it. */
    private volatile long running;

    private long generation;
    private int cellCounter;

    /** Re-sends stops to cells that ignore them, then abandons them; shared by all evaluators. */
    private static final ScheduledExecutorService STOPPER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "peft4j-cell-stopper");
        t.setDaemon(true);
        return t;
    });

    private JShellEvaluator(Builder b) {
        this.classPath = b.classPath;
        this.stopGrace = b.stopGrace;
        JShell.Builder jb = JShell.builder()
                .executionEngine(new CapturingExecutionControl.Provider(slot), Map.of())
                .compilerOptions(b.compilerOptions().toArray(String[]::new));
        this.shell = jb.build();
        // JShell compiles against java.class.path and loads through this JVM's class loader
        if (!b.classPath.isEmpty() && !b.classPath.equals(System.getProperty("java.class.path", ""))) {
            shell.addToClasspath(b.classPath);
        }
        this.analysis = shell.sourceCodeAnalysis();
        List<String> done = new ArrayList<>();
        for (String imp : b.imports) {
            if (runQuietly("import " + imp + ";")) {
                done.add(imp);
            }
        }
        for (String imp : b.staticImports) {
            if (runQuietly("import static " + imp + ";")) {
                done.add("static " + imp);
            }
        }
        this.imports = List.copyOf(done);
        for (String s : b.startup) {
            eval(s, "startup");
        }
    }

    /** An evaluator with the default imports and this JVM's class path. */
    public static JShellEvaluator create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for a new evaluator. */
    public static final class Builder {
        private String classPath = System.getProperty("java.class.path", "");
        private final List<String> imports = new ArrayList<>(DEFAULT_IMPORTS);
        private final List<String> staticImports = new ArrayList<>(DEFAULT_STATIC_IMPORTS);
        private final List<String> extraCompilerOptions = new ArrayList<>();
        private final List<String> startup = new ArrayList<>();
        private Duration stopGrace = Duration.ofSeconds(3);

        private Builder() {}

        /**
         * How long an interrupted cell may ignore the stop (by catching {@code Throwable}, say) before
         * it is abandoned: the evaluation returns, the definitions made so far are kept, and the
         * cell's thread is left running in the background. Default 3 s.
         */
        public Builder stopGrace(Duration stopGrace) {
            if (stopGrace.isNegative()) {
                throw new IllegalArgumentException("stopGrace must not be negative: " + stopGrace);
            }
            this.stopGrace = stopGrace;
            return this;
        }

        /**
         * Class path cells compile against and load from (default: {@code java.class.path}, which
         * JShell always has); other entries are added with {@code JShell.addToClasspath}.
         */
        public Builder classPath(String classPath) {
            this.classPath = Objects.requireNonNull(classPath);
            return this;
        }

        /** Adds an import such as {@code java.time.*}. */
        public Builder addImport(String importName) {
            imports.add(importName);
            return this;
        }

        /** Starts without the default imports. */
        public Builder noDefaultImports() {
            imports.clear();
            staticImports.clear();
            return this;
        }

        /** Extra javac options, e.g. {@code -Xlint:unchecked}. */
        public Builder compilerOption(String option) {
            extraCompilerOptions.add(option);
            return this;
        }

        /** Code evaluated once after the imports. */
        public Builder startup(String code) {
            startup.add(code);
            return this;
        }

        List<String> compilerOptions() {
            // no --class-path here: it would override what JShell.addToClasspath adds (%maven, %jars)
            return new ArrayList<>(extraCompilerOptions);
        }

        public JShellEvaluator build() {
            return new JShellEvaluator(this);
        }
    }

    /** The imports that resolved at start-up ({@code static } prefixed for static ones). */
    public List<String> imports() {
        return imports;
    }

    /** Evaluates a cell labelled {@code cell N} in traces. */
    public CellResult eval(String cell) {
        int n;
        synchronized (this) {
            n = ++cellCounter;
        }
        return eval(cell, "cell " + n);
    }

    /**
     * Evaluates every snippet of a cell in order.
     *
     * @param cell the cell source
     * @param cellLabel how traces name this cell, e.g. {@code In [3]}
     * @return the value of a trailing expression, or {@link CellResult#NONE}
     * @throws CellException the first failure; snippets before it keep their effects
     */
    public synchronized CellResult eval(String cell, String cellLabel) {
        stopRequested = false;
        running = ++generation;
        try {
            CellResult result = CellResult.NONE;
            for (Piece p : split(cell)) {
                result = evalSnippet(p.source(), cell, p.start(), cellLabel);
                if (stopRequested) {
                    throw interrupted();
                }
            }
            return result;
        } finally {
            running = 0;
        }
    }

    private EvaluationInterruptedException interrupted() {
        return new EvaluationInterruptedException("cell was interrupted", slot.abandoned);
    }

    /** One snippet of a cell: its source as JShell wants it and where it starts in the cell. */
    private record Piece(String source, int start) {}

    /**
     * Splits a cell into snippets before anything runs, so an unfinished cell runs nothing.
     *
     * @throws IncompleteSourceException if the cell ends inside a snippet
     */
    private List<Piece> split(String cell) {
        List<Piece> pieces = new ArrayList<>();
        int pos = 0;
        String rest = cell;
        while (!rest.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(rest);
            SourceCodeAnalysis.Completeness c = info.completeness();
            if (c == SourceCodeAnalysis.Completeness.EMPTY) {
                break;
            }
            if (c == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE) {
                int first = pos + leadingWhitespace(rest);
                throw new IncompleteSourceException(lineOf(cell, first), cell.substring(first));
            }
            pieces.add(new Piece(info.source(), pos + snippetStart(rest, info.source())));
            String remaining = info.remaining() == null ? "" : info.remaining();
            if (!rest.endsWith(remaining) || remaining.length() >= rest.length()) {
                break; // defensive: never loop without progress
            }
            pos += rest.length() - remaining.length();
            rest = remaining;
        }
        return pieces;
    }

    private CellResult evalSnippet(String source, String cell, int start, String cellLabel) {
        List<SnippetEvent> events = shell.eval(source);
        String exitCall = slot.exitCall;
        Throwable exitRequest = slot.exitRequest;
        slot.exitCall = null;
        CellResult result = CellResult.NONE;
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) {
                continue;
            }
            Snippet snippet = e.snippet();
            // JShell numbers trace lines from the first non-blank line of the snippet
            int firstCode = start + leadingWhitespace(snippet.source());
            origins.put(snippet.id(), new Origin(cellLabel, lineOf(cell, firstCode)));
            JShellException ex = e.exception();
            if (exitCall != null) {
                // reported even when the cell caught the ExitRequest: its intent was to end the run
                throw new SystemExitException(exitCall, exitFrames(ex != null ? ex : exitRequest));
            }
            if (stopRequested) {
                throw interrupted();
            }
            if (e.status() == Snippet.Status.REJECTED) {
                throw compilationError(snippet, cell, start);
            }
            if (ex instanceof jdk.jshell.UnresolvedReferenceException ure) {
                DeclarationSnippet decl = ure.getSnippet();
                throw new UnresolvedReferenceException(
                        describe(decl), shell.unresolvedDependencies(decl).collect(Collectors.toList()));
            }
            if (ex != null) {
                throw evaluationError(ex, slot.thrown);
            }
            if (e.status() == Snippet.Status.RECOVERABLE_DEFINED
                    || e.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
                DeclarationSnippet decl = (DeclarationSnippet) snippet;
                List<String> missing = shell.unresolvedDependencies(decl).collect(Collectors.toList());
                System.err.println("warning (line "
                        + lineOf(cell, start)
                        + "): "
                        + describe(decl)
                        + " cannot be used until "
                        + String.join(", ", missing)
                        + " is declared");
            }
            if (snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
                    || snippet.subKind() == Snippet.SubKind.VAR_VALUE_SUBKIND) {
                String type = snippet instanceof VarSnippet v ? v.typeName() : "";
                result = CellResult.of(slot.value, type);
            } else {
                result = CellResult.NONE;
            }
        }
        return result;
    }

    private static String describe(DeclarationSnippet decl) {
        String kind =
                switch (decl.kind()) {
                    case METHOD -> "method";
                    case VAR -> "variable";
                    case TYPE_DECL -> "class";
                    default -> decl.kind().name().toLowerCase(Locale.ROOT);
                };
        return kind + " " + decl.name();
    }

    private CompilationException compilationError(Snippet snippet, String cell, int start) {
        List<CompilationException.Diagnostic> diags = new ArrayList<>();
        List<Diag> errors = shell.diagnostics(snippet).filter(Diag::isError).collect(Collectors.toList());
        String src = snippet.source();
        for (Diag d : errors) {
            long p = d.getStartPosition() >= 0 ? d.getStartPosition() : d.getPosition();
            int inSnippet = (int) Math.max(0, Math.min(p, src.length()));
            int cellPos = Math.min(cell.length(), start + inSnippet);
            int line = lineOf(cell, cellPos);
            int lineStart = cell.lastIndexOf('\n', cellPos - 1) + 1;
            int lineEnd = cell.indexOf('\n', cellPos);
            String text = cell.substring(lineStart, lineEnd < 0 ? cell.length() : lineEnd);
            diags.add(new CompilationException.Diagnostic(
                    line, cellPos - lineStart + 1, d.getMessage(Locale.ROOT), stripCr(text)));
        }
        if (diags.isEmpty()) {
            int line = lineOf(cell, start);
            diags.add(
                    new CompilationException.Diagnostic(line, 1, "snippet was rejected: " + src.strip(), src.strip()));
        }
        return new CompilationException(diags);
    }

    private static String stripCr(String s) {
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private EvaluationException evaluationError(JShellException ex, Throwable real) {
        String className = ex instanceof EvalException ee
                ? ee.getExceptionClassName()
                : ex.getClass().getName();
        List<String> lines = new ArrayList<>();
        Throwable t = ex;
        boolean first = true;
        Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        while (t != null && seen.add(t)) {
            String name = t instanceof EvalException ee
                    ? ee.getExceptionClassName()
                    : t.getClass().getName();
            String header = t.getMessage() == null ? name : name + ": " + t.getMessage();
            lines.add(first ? header : "Caused by: " + header);
            for (String frame : userFrames(t.getStackTrace())) {
                lines.add("    at " + frame);
            }
            first = false;
            t = t.getCause();
        }
        return new EvaluationException(className, ex.getMessage(), lines, real);
    }

    /** Where the cell asked to exit: the user frames below {@link CellExit}. */
    private List<String> exitFrames(Throwable request) {
        if (request == null) {
            return List.of();
        }
        // JShell's copy names cell lines (file "#id"); the raw request only has class-file lines
        StackTraceElement[] trace = request.getStackTrace();
        int from = 0;
        while (from < trace.length && trace[from].getClassName().equals(CellExit.class.getName())) {
            from++;
        }
        return userFrames(Arrays.copyOfRange(trace, from, trace.length));
    }

    /** The frames worth showing: JShell's, reflection's and the kernel's own tail is cut. */
    List<String> userFrames(StackTraceElement[] trace) {
        int end = trace.length;
        while (end > 0 && isInternal(trace[end - 1])) {
            end--;
        }
        List<String> frames = new ArrayList<>();
        for (int i = 0; i < end; i++) {
            frames.add(formatFrame(trace[i]));
        }
        return frames;
    }

    private static boolean isInternal(StackTraceElement e) {
        String c = e.getClassName();
        for (String p : INTERNAL_FRAME_PREFIXES) {
            if (c.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private String formatFrame(StackTraceElement e) {
        String file = e.getFileName();
        if (file != null && file.startsWith("#")) {
            Origin o = origins.get(file.substring(1));
            String where;
            if (o == null) {
                where = "snippet " + file + ", line " + e.getLineNumber();
            } else {
                int line = e.getLineNumber() > 0 ? o.startLine() + e.getLineNumber() - 1 : o.startLine();
                where = o.cellLabel() + ", line " + line;
            }
            String cls = SNIPPET_CLASS.matcher(e.getClassName()).replaceFirst("");
            String method = e.getMethodName();
            if (method.isEmpty() || method.startsWith("do_it$")) {
                return where;
            }
            String name = cls.isEmpty() ? method : cls.replace('$', '.') + "." + method;
            return name + " (" + where + ")";
        }
        return e.toString();
    }

    /**
     * Stops the running cell, if any. Safe to call from any thread; returns at once. If the cell
     * ignores the stop, the stop is sent again a few times and, after the stop grace, the cell is
     * abandoned so that {@link #eval} returns with an {@link EvaluationInterruptedException}.
     */
    public void interrupt() {
        stopRequested = true;
        long cell = running;
        shell.stop();
        if (cell != 0) {
            escalate(cell, 1);
        }
    }

    /** Whether a cell is being evaluated now. */
    public boolean isRunning() {
        return running != 0;
    }

    private static final int STOP_ATTEMPTS = 4;

    private void escalate(long cell, int attempt) {
        long delay = Math.max(1, stopGrace.toMillis() / STOP_ATTEMPTS);
        STOPPER.schedule(
                () -> {
                    if (running != cell) {
                        return; // it stopped
                    }
                    if (attempt < STOP_ATTEMPTS) {
                        shell.stop();
                        escalate(cell, attempt + 1);
                    } else {
                        CapturingExecutionControl.abandon(slot);
                    }
                },
                delay,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Adds jars or class folders to the class path that cells compile against and load from, as
     * {@code JShell.addToClasspath} does. Entries already added are skipped.
     *
     * @param entries files or folders
     */
    public void addToClasspath(List<String> entries) {
        for (String e : entries) {
            String abs = new File(e).getAbsolutePath();
            if (!addedClassPath.contains(abs)) {
                shell.addToClasspath(abs);
                addedClassPath.add(abs);
            }
        }
    }

    /** The class path cells see: the start-up class path, then what {@link #addToClasspath} added. */
    public List<String> classPath() {
        List<String> all = new ArrayList<>();
        for (String e : classPath.split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                all.add(e);
            }
        }
        all.addAll(addedClassPath);
        return all;
    }

    /** Completion candidates at {@code cursor} (a cell offset). */
    public Completion complete(String cell, int cursor) {
        int start = currentSnippetStart(cell, cursor);
        String snippet = cell.substring(start, cursor);
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> suggestions =
                analysis.completionSuggestions(snippet, snippet.length(), anchor);
        Set<String> out = new LinkedHashSet<>();
        suggestions.stream().filter(SourceCodeAnalysis.Suggestion::matchesType).forEach(s -> out.add(s.continuation()));
        suggestions.forEach(s -> out.add(s.continuation()));
        return new Completion(new ArrayList<>(out), start + anchor[0], cursor);
    }

    /** Signature and Javadoc of what is under the cursor, empty if nothing is known. */
    public String inspect(String cell, int cursor) {
        int start = currentSnippetStart(cell, cursor);
        String snippet = cell.substring(start, cursor);
        List<SourceCodeAnalysis.Documentation> docs = analysis.documentation(snippet, snippet.length(), true);
        StringBuilder sb = new StringBuilder();
        for (SourceCodeAnalysis.Documentation d : docs) {
            if (sb.length() > 0) {
                sb.append("\n\n");
            }
            sb.append(d.signature());
            if (d.javadoc() != null && !d.javadoc().isBlank()) {
                sb.append('\n').append(d.javadoc());
            }
        }
        return sb.toString();
    }

    /** Whether the cell could run as typed. */
    public Completeness completeness(String cell) {
        String rest = cell;
        while (!rest.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(rest);
            switch (info.completeness()) {
                case EMPTY:
                    return Completeness.COMPLETE;
                case DEFINITELY_INCOMPLETE:
                    return Completeness.INCOMPLETE;
                case UNKNOWN:
                    return Completeness.INVALID;
                default:
                    break;
            }
            String remaining = info.remaining() == null ? "" : info.remaining();
            if (remaining.length() >= rest.length()) {
                break;
            }
            rest = remaining;
        }
        return Completeness.COMPLETE;
    }

    /** Offset of the snippet that contains {@code cursor}: earlier complete snippets are skipped. */
    private int currentSnippetStart(String cell, int cursor) {
        String prefix = cell.substring(0, Math.max(0, Math.min(cursor, cell.length())));
        int pos = 0;
        String rest = prefix;
        while (!rest.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(rest);
            String remaining = info.remaining() == null ? "" : info.remaining();
            if (!info.completeness().isComplete() || remaining.isBlank() || remaining.length() >= rest.length()) {
                return pos + leadingWhitespace(rest);
            }
            pos += rest.length() - remaining.length();
            rest = remaining;
        }
        return prefix.length();
    }

    /**
     * Where {@code source} (as JShell returned it, possibly with leading blank lines and an added
     * semicolon) starts inside {@code rest}: JShell reports positions relative to that string.
     */
    private static int snippetStart(String rest, String source) {
        int ws = leadingWhitespace(rest);
        if (source == null) {
            return ws;
        }
        String raw = source.endsWith(";") ? source.substring(0, source.length() - 1) : source;
        if (!raw.isEmpty()) {
            int idx = rest.indexOf(raw);
            if (idx >= 0) {
                return idx;
            }
        }
        String s = source.strip();
        if (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty() || rest.startsWith(s, ws)) {
            return ws;
        }
        int idx = rest.indexOf(s);
        return idx >= 0 ? idx : ws;
    }

    private static int leadingWhitespace(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** 1-based line of a cell offset. */
    static int lineOf(String cell, int offset) {
        int line = 1;
        int end = Math.min(offset, cell.length());
        for (int i = 0; i < end; i++) {
            if (cell.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** The underlying JShell, for hosts that need more (variables, snippets). */
    public JShell shell() {
        return shell;
    }

    @Override
    public void close() {
        shell.close();
    }

    private boolean runQuietly(String code) {
        List<SnippetEvent> events = shell.eval(code);
        return events.stream().allMatch(e -> e.status().isDefined());
    }
}
