package ai.peft4j.kernel.notebook;

import ai.peft4j.display.MimeBundle;
import ai.peft4j.display.MimeRenderer;
import ai.peft4j.kernel.eval.CellException;
import ai.peft4j.kernel.eval.CellResult;
import ai.peft4j.kernel.eval.CellTimeoutException;
import ai.peft4j.kernel.eval.EvaluationException;
import ai.peft4j.kernel.eval.EvaluationInterruptedException;
import ai.peft4j.kernel.eval.JShellEvaluator;
import ai.peft4j.kernel.magic.Magics;
import ai.peft4j.kernel.magic.MavenConfig;
import ai.peft4j.kernel.runtime.DisplaySink;
import ai.peft4j.kernel.runtime.Notebook;
import ai.peft4j.kernel.runtime.NotebookLiveOutputs;
import ai.peft4j.train.TrainingProgress;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Runs the code cells of a Jupyter notebook (nbformat 4) through a fresh {@link JShellEvaluator},
 * without Jupyter or Python, and writes the outputs back: {@code stream}, {@code display_data},
 * {@code execute_result} and {@code error} outputs and execution counts, as Jupyter would.
 *
 * <p>Execution stops at the first failing cell unless the cell is tagged {@code raises-exception}
 * or {@link Options#allowErrors} is set. The outputs written so far are kept. Cells may use the
 * magics of {@link Magics} ({@code %maven}, {@code %time}...), as in the kernel.
 *
 * <p>Whatever a cell does, {@link #run(Path, Path)} writes the notebook: a cell that runs out of
 * memory, ignores its timeout, or calls {@code System.exit} gets an error output. A cell's stream
 * output is capped ({@link Options#maxOutputChars}, {@link Options#maxOutputLines}): its head and
 * tail are kept, with a line saying how much was dropped.
 */
public final class NotebookRunner {

    /** Stream characters a cell keeps by default (head and tail together). */
    public static final long DEFAULT_MAX_OUTPUT_CHARS = 1_000_000;

    /** Stream lines a cell keeps by default (head and tail together). */
    public static final long DEFAULT_MAX_OUTPUT_LINES = 10_000;

    /** Held while the run goes on, freed when a cell runs out of memory, so the notebook can still be written. */
    private static final int MEMORY_RESERVE = 8 << 20;

    /** Run options. */
    public static final class Options {
        Duration timeout;
        boolean allowErrors;
        PrintStream echo;
        long maxOutputChars = DEFAULT_MAX_OUTPUT_CHARS;
        long maxOutputLines = DEFAULT_MAX_OUTPUT_LINES;
        Supplier<JShellEvaluator> evaluators = JShellEvaluator::create;
        MavenConfig maven;
        MimeRenderer renderer = new MimeRenderer();

        /**
         * Per-cell time limit; {@code null} (the default) means none. A cell that ignores the stop is
         * abandoned (see {@link JShellEvaluator.Builder#stopGrace}) and reported as timed out.
         */
        public Options timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Keep going after a failing cell (errors are still recorded). */
        public Options allowErrors(boolean allowErrors) {
            this.allowErrors = allowErrors;
            return this;
        }

        /** Also copy cell output to this stream as it is produced (e.g. the console in CI). */
        public Options echo(PrintStream echo) {
            this.echo = echo;
            return this;
        }

        /**
         * Stream characters kept per cell (default {@value #DEFAULT_MAX_OUTPUT_CHARS}); beyond it the
         * first and last halves are kept. {@code 0} means no cap.
         */
        public Options maxOutputChars(long maxOutputChars) {
            this.maxOutputChars = requireNotNegative(maxOutputChars, "maxOutputChars");
            return this;
        }

        /** Stream lines kept per cell (default {@value #DEFAULT_MAX_OUTPUT_LINES}); {@code 0} means no cap. */
        public Options maxOutputLines(long maxOutputLines) {
            this.maxOutputLines = requireNotNegative(maxOutputLines, "maxOutputLines");
            return this;
        }

        private static long requireNotNegative(long v, String name) {
            if (v < 0) {
                throw new IllegalArgumentException(name + " must be 0 (no cap) or positive, not " + v);
            }
            return v;
        }

        /** Where {@code %maven} looks (default: {@link MavenConfig#fromEnvironment()}). */
        public Options maven(MavenConfig maven) {
            this.maven = maven;
            return this;
        }

        /** How evaluators are made (one per notebook). */
        public Options evaluators(Supplier<JShellEvaluator> evaluators) {
            this.evaluators = evaluators;
            return this;
        }

        /** The renderer for cell values and {@code display(...)} calls. */
        public Options renderer(MimeRenderer renderer) {
            this.renderer = renderer;
            return this;
        }
    }

    /**
     * A cell that failed.
     *
     * @param index 0-based index among all cells of the notebook
     * @param executionCount its execution count
     * @param source the cell source
     * @param error what went wrong
     */
    public record CellFailure(int index, int executionCount, String source, CellException error) {
        /** Human-readable report: the cell source with line numbers, then the error. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append("Cell ")
                    .append(index + 1)
                    .append(" (In [")
                    .append(executionCount)
                    .append("]) failed:\n");
            String[] lines = source.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                sb.append(String.format("%4d | %s%n", i + 1, lines[i]));
            }
            sb.append(error.errorName()).append(": ").append(error.errorValue()).append('\n');
            for (String l : error.traceback()) {
                sb.append(l).append('\n');
            }
            return sb.toString();
        }
    }

    /**
     * Outcome of a run.
     *
     * @param cellsRun code cells executed
     * @param failure the first unexpected failure, if execution stopped on one
     */
    public record Report(int cellsRun, Optional<CellFailure> failure) {
        public boolean ok() {
            return failure.isEmpty();
        }
    }

    /** Where a run is: read by the shutdown hook when the JVM exits under it. */
    private static final class Progress {
        volatile int cellIndex = -1;
        volatile int executionCount;
        volatile ObjectNode cell;
        volatile CellStreams streams;
        volatile boolean done;
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Options options;
    private byte[] reserve;

    public NotebookRunner(Options options) {
        this.options = options;
    }

    public NotebookRunner() {
        this(new Options());
    }

    /**
     * Reads {@code in}, runs it and writes the executed notebook to {@code out}. The notebook is
     * written whatever the cells do; should the JVM exit during the run (code outside the cells
     * calling {@code System.exit}, or a signal), a shutdown hook writes it, with an error output on
     * the running cell, and ends the process with status 1.
     *
     * @throws NotebookFormatException if {@code in} is not an nbformat 4 notebook
     */
    public Report run(Path in, Path out) throws IOException {
        ObjectNode nb = read(in);
        Progress progress = new Progress();
        PrintStream console = System.err;
        Thread hook = new Thread(() -> onJvmExit(nb, out, progress, console), "peft4j-notebook-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        Report report;
        try {
            report = run(nb, progress);
        } finally {
            synchronized (progress) {
                progress.done = true;
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already exiting: the hook writes the notebook
            }
        }
        synchronized (progress) {
            reserve = null;
            write(nb, out);
        }
        return report;
    }

    /** The JVM is exiting in the middle of a run: record it on the running cell and write. */
    private static void onJvmExit(ObjectNode nb, Path out, Progress progress, PrintStream console) {
        synchronized (progress) {
            if (progress.done) {
                return;
            }
            String where = progress.cell == null
                    ? "between cells"
                    : "while cell " + (progress.cellIndex + 1) + " (In [" + progress.executionCount + "]) ran";
            String why = "the JVM is exiting "
                    + where
                    + ": code outside the cell called System.exit or Runtime.exit, or the process got"
                    + " a signal";
            try {
                if (progress.streams != null) {
                    progress.streams.finish();
                }
                if (progress.cell != null && progress.cell.get("outputs") instanceof ArrayNode outputs) {
                    ObjectNode o = outputs.addObject();
                    o.put("output_type", "error");
                    o.put("ename", "KernelExit");
                    o.put("evalue", why);
                    o.putArray("traceback").add("KernelExit: " + why);
                }
                write(nb, out);
                console.println("error: " + why + "; wrote " + out);
            } catch (Throwable t) {
                console.println("error: " + why + "; could not write " + out + ": " + t);
            }
            console.flush();
            Runtime.getRuntime().halt(1); // never report success, whatever status the exit asked for
        }
    }

    /**
     * Reads a notebook file and checks its structure.
     *
     * @throws NotebookFormatException naming the file and the problem, if it is not valid JSON or
     *     not an nbformat 4 notebook
     */
    public static ObjectNode read(Path in) throws IOException {
        JsonNode node;
        try {
            node = MAPPER.readTree(Files.readAllBytes(in)); // a missing file: NoSuchFileException
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 0
                    ? ""
                    : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            String why = String.valueOf(e.getOriginalMessage()).replaceAll("\\s+", " ");
            if (why.length() > 200) {
                why = why.substring(0, 200) + "...";
            }
            throw new NotebookFormatException(in.toString(), "not valid JSON" + where + ": " + why);
        }
        return validate(node, in.toString());
    }

    /**
     * Checks that {@code node} has the shape of an nbformat 4 notebook, as far as running it needs.
     *
     * @param file how messages name the notebook
     */
    static ObjectNode validate(JsonNode node, String file) throws NotebookFormatException {
        if (node == null || node.isMissingNode()) {
            throw new NotebookFormatException(file, "the file is empty, not a Jupyter notebook");
        }
        if (!(node instanceof ObjectNode o)) {
            throw new NotebookFormatException(
                    file, "not a Jupyter notebook: the top level is " + kind(node) + ", not an object");
        }
        if (!o.has("cells")) {
            throw new NotebookFormatException(file, "not a Jupyter notebook (no \"cells\")");
        }
        JsonNode format = o.get("nbformat");
        if (format != null && !(format.isInt() && format.asInt() == 4)) {
            throw new NotebookFormatException(
                    file,
                    "nbformat " + format
                            + " is not supported (need 4; convert it with jupyter nbconvert --to notebook)");
        }
        if (o.has("metadata") && !o.get("metadata").isObject()) {
            throw new NotebookFormatException(file, "\"metadata\" is " + kind(o.get("metadata")) + ", not an object");
        }
        JsonNode cells = o.get("cells");
        if (!cells.isArray()) {
            throw new NotebookFormatException(file, "\"cells\" is " + kind(cells) + ", not a list");
        }
        for (int i = 0; i < cells.size(); i++) {
            JsonNode cell = cells.get(i);
            String name = "cell " + (i + 1);
            if (!cell.isObject()) {
                throw new NotebookFormatException(file, name + " is " + kind(cell) + ", not an object");
            }
            JsonNode type = cell.get("cell_type");
            if (type == null || !type.isTextual()) {
                throw new NotebookFormatException(file, name + " has no \"cell_type\" string");
            }
            JsonNode source = cell.get("source");
            if (source != null && !source.isTextual() && !isListOfStrings(source)) {
                throw new NotebookFormatException(
                        file, name + ": \"source\" is " + kind(source) + ", not a string or a list of strings");
            }
            JsonNode meta = cell.get("metadata");
            if (meta != null && !meta.isObject()) {
                throw new NotebookFormatException(file, name + ": \"metadata\" is " + kind(meta) + ", not an object");
            }
            JsonNode tags = cell.path("metadata").get("tags");
            if (tags != null && !isListOfStrings(tags)) {
                throw new NotebookFormatException(
                        file, name + ": \"metadata.tags\" is " + kind(tags) + ", not a list of strings");
            }
        }
        return o;
    }

    private static boolean isListOfStrings(JsonNode n) {
        if (!n.isArray()) {
            return false;
        }
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Writes a notebook the way Jupyter does: one-space indent, UTF-8, trailing newline. */
    public static void write(ObjectNode nb, Path out) throws IOException {
        DefaultIndenter indenter = new DefaultIndenter(" ", "\n");
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withSeparators(
                        Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(indenter)
                .withArrayIndenter(indenter);
        String json = MAPPER.writer(pp).writeValueAsString(nb) + "\n";
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, json, StandardCharsets.UTF_8);
    }

    /**
     * Runs the notebook in place: its code cells get fresh outputs and execution counts.
     *
     * @throws IllegalArgumentException if {@code nb} is not an nbformat 4 notebook
     */
    public Report run(ObjectNode nb) {
        try {
            validate(nb, "notebook");
        } catch (NotebookFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return run(nb, new Progress());
    }

    private Report run(ObjectNode nb, Progress progress) {
        ensureKernelMetadata(nb);
        ArrayNode cells = (ArrayNode) nb.get("cells");
        for (JsonNode cell : cells) {
            if (isCode(cell)) {
                ((ObjectNode) cell).set("outputs", JsonNodeFactory.instance.arrayNode());
                ((ObjectNode) cell).putNull("execution_count");
            }
        }
        int count = 0;
        Map<String, List<ObjectNode>> displays = new HashMap<>(); // display id -> its outputs, any cell
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "notebook-cell-timeout");
            t.setDaemon(true);
            return t;
        });
        var progressDisplay = NotebookLiveOutputs.install(); // trainers redraw one output, as in the kernel
        try (JShellEvaluator eval = options.evaluators.get()) {
            Magics magics = options.maven == null ? new Magics(eval) : new Magics(eval, options.maven);
            for (int i = 0; i < cells.size(); i++) {
                JsonNode cell = cells.get(i);
                if (!isCode(cell)) {
                    continue;
                }
                count++;
                ObjectNode c = (ObjectNode) cell;
                c.put("execution_count", count);
                ArrayNode outputs = (ArrayNode) c.get("outputs");
                String source = joinSource(c.get("source"));
                CellException failure;
                try {
                    failure = runCell(magics, timer, c, outputs, source, count, displays, progress, i);
                } catch (Throwable t) { // last resort: nothing a cell does ends the run unrecorded
                    reserve = null;
                    failure = hostError(t);
                } finally {
                    System.setOut(oldOut);
                    System.setErr(oldErr);
                    Notebook.setSink(null);
                }
                if (failure != null) {
                    if (isOutOfMemory(failure)) {
                        reserve = null; // room to record it and write the notebook
                    }
                    outputs.add(errorOutput(failure));
                    boolean expected = hasTag(c, "raises-exception");
                    if (!expected && !options.allowErrors) {
                        return new Report(count, Optional.of(new CellFailure(i, count, source, failure)));
                    }
                }
            }
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            timer.shutdownNow();
            TrainingProgress.install(progressDisplay);
        }
        return new Report(count, Optional.empty());
    }

    /** Runs one cell; returns its failure, or {@code null}. */
    private CellException runCell(
            Magics magics,
            ScheduledExecutorService timer,
            ObjectNode c,
            ArrayNode outputs,
            String source,
            int count,
            Map<String, List<ObjectNode>> displays,
            Progress progress,
            int index) {
        if (reserve == null) {
            try {
                reserve = new byte[MEMORY_RESERVE];
            } catch (OutOfMemoryError e) {
                // still short of memory: run without a reserve
            }
        }
        CellStreams streams = new CellStreams(outputs, options.maxOutputChars, options.maxOutputLines);
        CellOutputs sink = new CellOutputs(streams, displays, options.renderer, options.echo);
        synchronized (progress) {
            progress.cellIndex = index;
            progress.executionCount = count;
            progress.cell = c;
            progress.streams = streams;
        }
        System.setOut(sink.stream("stdout"));
        System.setErr(sink.stream("stderr"));
        Notebook.setSink(sink);
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> watchdog = null;
        CellException failure = null;
        try {
            if (options.timeout != null) {
                watchdog = timer.schedule(
                        () -> {
                            timedOut.set(true);
                            magics.evaluator().interrupt();
                        },
                        options.timeout.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
            CellResult r = magics.eval(source, "In [" + count + "]");
            sink.flush();
            streams.finish();
            if (r.hasValue()) {
                outputs.add(executeResult(options.renderer.render(r.value()), count));
            }
        } catch (EvaluationInterruptedException e) {
            failure = timedOut.get() ? new CellTimeoutException(options.timeout.toSeconds(), e.threadAbandoned()) : e;
        } catch (CellException e) {
            failure = e;
        } catch (Throwable t) { // e.g. out of memory in the kernel's own code, or a value's toString()
            reserve = null;
            failure = hostError(t);
        } finally {
            if (watchdog != null) {
                watchdog.cancel(false);
            }
            try {
                sink.flush();
            } catch (Throwable t) {
                // a broken stream must not hide the cell's outcome
            }
            streams.finish();
            synchronized (progress) {
                progress.cell = null;
                progress.streams = null;
            }
        }
        return failure;
    }

    private static boolean isOutOfMemory(CellException e) {
        return e instanceof EvaluationException ee && ee.exceptionClassName().equals(OutOfMemoryError.class.getName());
    }

    /** A failure outside the cell's own code, reported on the cell that was running. */
    private static CellException hostError(Throwable t) {
        String name = t.getClass().getName();
        return new EvaluationException(
                name,
                t.getMessage(),
                List.of(
                        t.getMessage() == null ? name : name + ": " + t.getMessage(),
                        "    (raised in the kernel while it ran this cell, not in the cell's own code)"),
                t);
    }

    private static void ensureKernelMetadata(ObjectNode nb) {
        ObjectNode meta = nb.get("metadata") instanceof ObjectNode m ? m : nb.putObject("metadata");
        if (!meta.has("kernelspec")) {
            ObjectNode ks = meta.putObject("kernelspec");
            ks.put("display_name", "Java (peft4j)");
            ks.put("language", "java");
            ks.put("name", "peft4j");
        }
        if (!meta.has("language_info")) {
            ObjectNode li = meta.putObject("language_info");
            li.put("name", "java");
            li.put("file_extension", ".jshell");
            li.put("mimetype", "text/x-java-source");
            li.put("version", Runtime.version().toString());
        }
    }

    private static boolean isCode(JsonNode cell) {
        return "code".equals(cell.path("cell_type").asText());
    }

    private static boolean hasTag(JsonNode cell, String tag) {
        for (JsonNode t : cell.path("metadata").path("tags")) {
            if (tag.equals(t.asText())) {
                return true;
            }
        }
        return false;
    }

    /** nbformat multiline strings are a string or a list of lines. */
    static String joinSource(JsonNode source) {
        if (source == null || source.isNull()) {
            return "";
        }
        if (source.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode l : source) {
                sb.append(l.asText());
            }
            return sb.toString();
        }
        return source.asText();
    }

    /** Splits text into nbformat's list of lines, each but the last keeping its newline. */
    static ArrayNode splitLines(String text) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            a.add(text.substring(start, end));
            start = end;
        }
        return a;
    }

    static ObjectNode mimeData(MimeBundle bundle) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, String> e : bundle.data().entrySet()) {
            data.set(e.getKey(), splitLines(e.getValue()));
        }
        return data;
    }

    private static ObjectNode executeResult(MimeBundle bundle, int count) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("output_type", "execute_result");
        o.set("data", mimeData(bundle));
        o.putObject("metadata");
        o.put("execution_count", count);
        return o;
    }

    private static ObjectNode errorOutput(CellException e) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("output_type", "error");
        o.put("ename", e.errorName());
        o.put("evalue", e.errorValue());
        ArrayNode tb = o.putArray("traceback");
        e.traceback().forEach(tb::add);
        return o;
    }

    /** Collects one cell's stream and display outputs (see {@link CellStreams}). */
    private static final class CellOutputs implements DisplaySink {
        private final CellStreams streams;
        private final MimeRenderer renderer;
        private final PrintStream echo;
        private final Map<String, List<ObjectNode>> displays;
        private final Map<String, StreamDecoder> decoders = new HashMap<>();

        CellOutputs(
                CellStreams streams, Map<String, List<ObjectNode>> displays, MimeRenderer renderer, PrintStream echo) {
            this.streams = streams;
            this.displays = displays;
            this.renderer = renderer;
            this.echo = echo;
        }

        PrintStream stream(String name) {
            StreamDecoder d = new StreamDecoder(text -> append(name, text));
            decoders.put(name, d);
            return new PrintStream(d, true, StandardCharsets.UTF_8);
        }

        void flush() {
            decoders.values().forEach(StreamDecoder::flush);
        }

        private void append(String name, String text) {
            if (text.isEmpty()) {
                return;
            }
            if (echo != null) {
                echo.print(text);
                echo.flush();
            }
            streams.append(name, text);
        }

        @Override
        public void display(Object value, String displayId) {
            flush();
            MimeBundle bundle = renderer.render(value);
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("output_type", "display_data");
            o.set("data", mimeData(bundle));
            o.putObject("metadata");
            synchronized (displays) {
                displays.computeIfAbsent(displayId, k -> new ArrayList<>()).add(o);
            }
            streams.display(o);
            if (echo != null) {
                echo.println(bundle.get(MimeBundle.TEXT));
            }
        }

        /**
         * As nbclient applies {@code update_display_data}: every output shown under the id, in
         * whichever cell, gets the new data; an unknown id changes nothing.
         */
        @Override
        public void update(Object value, String displayId) {
            List<ObjectNode> shown;
            synchronized (displays) {
                shown = List.copyOf(displays.getOrDefault(displayId, List.of()));
            }
            if (shown.isEmpty()) {
                return;
            }
            ObjectNode data = mimeData(renderer.render(value));
            for (ObjectNode o : shown) {
                synchronized (o) {
                    o.set("data", data.deepCopy());
                }
            }
        }
    }
}
