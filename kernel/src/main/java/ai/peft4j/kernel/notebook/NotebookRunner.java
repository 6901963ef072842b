package ai.peft4j.kernel.notebook;

import ai.peft4j.display.MimeBundle;
import ai.peft4j.display.MimeRenderer;
import ai.peft4j.kernel.eval.CellException;
import ai.peft4j.kernel.eval.CellResult;
import ai.peft4j.kernel.eval.CellTimeoutException;
import ai.peft4j.kernel.eval.EvaluationInterruptedException;
import ai.peft4j.kernel.eval.JShellEvaluator;
import ai.peft4j.kernel.runtime.DisplaySink;
import ai.peft4j.kernel.runtime.Notebook;
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
import java.util.HashMap;
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
 * or {@link Options#allowErrors} is set. The outputs written so far are kept.
 */
public final class NotebookRunner {

  /** Run options. */
  public static final class Options {
    Duration timeout;
    boolean allowErrors;
    PrintStream echo;
    Supplier<JShellEvaluator> evaluators = JShellEvaluator::create;
    MimeRenderer renderer = new MimeRenderer();

    /** Per-cell time limit; {@code null} (the default) means none. */
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
      sb.append("Cell ").append(index + 1).append(" (In [").append(executionCount).append("]) failed:\n");
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

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Options options;

  public NotebookRunner(Options options) {
    this.options = options;
  }

  public NotebookRunner() {
    this(new Options());
  }

  /** Reads {@code in}, runs it and writes the executed notebook to {@code out}. */
  public Report run(Path in, Path out) throws IOException {
    ObjectNode nb = read(in);
    Report report = run(nb);
    write(nb, out);
    return report;
  }

  /** Reads a notebook file. */
  public static ObjectNode read(Path in) throws IOException {
    JsonNode node = MAPPER.readTree(in.toFile());
    if (!(node instanceof ObjectNode o) || !o.has("cells")) {
      throw new IOException(in + " is not a Jupyter notebook (no \"cells\")");
    }
    int major = o.path("nbformat").asInt(4);
    if (major != 4) {
      throw new IOException(in + ": nbformat " + major + " is not supported (need 4)");
    }
    return o;
  }

  /** Writes a notebook the way Jupyter does: one-space indent, UTF-8, trailing newline. */
  public static void write(ObjectNode nb, Path out) throws IOException {
    DefaultIndenter indenter = new DefaultIndenter(" ", "\n");
    DefaultPrettyPrinter pp =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(indenter)
            .withArrayIndenter(indenter);
    String json = MAPPER.writer(pp).writeValueAsString(nb) + "\n";
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(out, json, StandardCharsets.UTF_8);
  }

  /** Runs the notebook in place: its code cells get fresh outputs and execution counts. */
  public Report run(ObjectNode nb) {
    ensureKernelMetadata(nb);
    ArrayNode cells = (ArrayNode) nb.get("cells");
    for (JsonNode cell : cells) {
      if (isCode(cell)) {
        ((ObjectNode) cell).set("outputs", JsonNodeFactory.instance.arrayNode());
        ((ObjectNode) cell).putNull("execution_count");
      }
    }
    int count = 0;
    Map<String, ObjectNode> displays = new HashMap<>();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "notebook-cell-timeout");
              t.setDaemon(true);
              return t;
            });
    try (JShellEvaluator eval = options.evaluators.get()) {
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
        CellOutputs sink = new CellOutputs(outputs, displays, options.renderer, options.echo);
        System.setOut(sink.stream("stdout"));
        System.setErr(sink.stream("stderr"));
        Notebook.setSink(sink);
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> watchdog = null;
        if (options.timeout != null) {
          watchdog =
              timer.schedule(
                  () -> {
                    timedOut.set(true);
                    eval.interrupt();
                  },
                  options.timeout.toMillis(),
                  TimeUnit.MILLISECONDS);
        }
        CellException failure = null;
        try {
          CellResult r = eval.eval(source, "In [" + count + "]");
          sink.flush();
          if (r.hasValue()) {
            outputs.add(executeResult(options.renderer.render(r.value()), count));
          }
        } catch (EvaluationInterruptedException e) {
          failure = timedOut.get() ? new CellTimeoutException(options.timeout.toSeconds()) : e;
        } catch (CellException e) {
          failure = e;
        } finally {
          if (watchdog != null) {
            watchdog.cancel(false);
          }
          sink.flush();
          System.setOut(oldOut);
          System.setErr(oldErr);
          Notebook.setSink(null);
        }
        if (failure != null) {
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
    }
    return new Report(count, Optional.empty());
  }

  private static void ensureKernelMetadata(ObjectNode nb) {
    ObjectNode meta =
        nb.get("metadata") instanceof ObjectNode m ? m : nb.putObject("metadata");
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

  /** Collects one cell's stream and display outputs, merging consecutive stream writes. */
  private static final class CellOutputs implements DisplaySink {
    private final ArrayNode outputs;
    private final MimeRenderer renderer;
    private final PrintStream echo;
    private final Map<String, ObjectNode> displays;
    private final Map<String, StreamDecoder> streams = new HashMap<>();

    CellOutputs(
        ArrayNode outputs, Map<String, ObjectNode> displays, MimeRenderer renderer, PrintStream echo) {
      this.outputs = outputs;
      this.displays = displays;
      this.renderer = renderer;
      this.echo = echo;
    }

    PrintStream stream(String name) {
      StreamDecoder d = new StreamDecoder(text -> append(name, text));
      streams.put(name, d);
      return new PrintStream(d, true, StandardCharsets.UTF_8);
    }

    void flush() {
      streams.values().forEach(StreamDecoder::flush);
    }

    private synchronized void append(String name, String text) {
      if (text.isEmpty()) {
        return;
      }
      if (echo != null) {
        echo.print(text);
        echo.flush();
      }
      JsonNode last = outputs.isEmpty() ? null : outputs.get(outputs.size() - 1);
      String prior = "";
      if (last != null
          && "stream".equals(last.path("output_type").asText())
          && name.equals(last.path("name").asText())) {
        prior = joinSource(last.get("text"));
        outputs.remove(outputs.size() - 1);
      }
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("output_type", "stream");
      o.put("name", name);
      o.set("text", splitLines(prior + text));
      outputs.add(o);
    }

    @Override
    public void display(Object value, String displayId) {
      flush();
      MimeBundle bundle = renderer.render(value);
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("output_type", "display_data");
      o.set("data", mimeData(bundle));
      o.putObject("metadata");
      synchronized (this) {
        outputs.add(o);
        displays.put(displayId, o);
      }
      if (echo != null) {
        echo.println(bundle.get(MimeBundle.TEXT));
      }
    }

    @Override
    public synchronized void update(Object value, String displayId) {
      ObjectNode o = displays.get(displayId);
      if (o != null) {
        o.set("data", mimeData(renderer.render(value)));
      }
    }
  }
}
