package ai.peft4j.kernel.jupyter;

import ai.peft4j.display.MimeRenderer;
import ai.peft4j.kernel.eval.CellException;
import ai.peft4j.kernel.eval.CellResult;
import ai.peft4j.kernel.eval.Completeness;
import ai.peft4j.kernel.eval.Completion;
import ai.peft4j.kernel.eval.JShellEvaluator;
import ai.peft4j.kernel.magic.Magics;
import ai.peft4j.kernel.runtime.DisplaySink;
import ai.peft4j.kernel.runtime.Notebook;
import ai.peft4j.kernel.runtime.NotebookLiveOutputs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.kernel.util.TextColor;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.publish.PublishError;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteInput;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteResult;
import org.dflib.jjava.jupyter.messages.reply.ErrorReply;
import org.dflib.jjava.jupyter.messages.reply.ExecuteReply;
import org.dflib.jjava.jupyter.messages.request.ExecuteRequest;

/**
 * The Jupyter kernel: JJava's {@link BaseKernel} does the protocol (channels, streams, execution
 * counts); this class evaluates with {@link JShellEvaluator} and renders with the toolkit's {@link
 * MimeRenderer}, through the {@link ToolkitRenderer} it hands {@code BaseKernel}.
 */
public final class Peft4jKernel extends BaseKernel {
    private static final String VERSION = versionOf();

    private final JShellEvaluator evaluator;
    private final Magics magics;

    public Peft4jKernel(JShellEvaluator evaluator, MimeRenderer displayRenderer) {
        super(
                "peft4j",
                VERSION,
                new LanguageInfo(
                        "java",
                        Runtime.version().toString(),
                        "text/x-java-source",
                        ".jshell",
                        "java",
                        "text/x-java",
                        "script"),
                List.of(),
                null,
                new KernelIO(StandardCharsets.UTF_8),
                new CommManager(),
                new ToolkitRenderer(displayRenderer),
                null,
                new MagicsRegistry(),
                false,
                new StringStyler.Builder()
                        .addPrimaryStyle(TextColor.BOLD_RESET_FG)
                        .addSecondaryStyle(TextColor.BOLD_RED_FG)
                        .addHighlightStyle(TextColor.BOLD_RESET_FG)
                        .addHighlightStyle(TextColor.RED_BG)
                        .build());
        this.evaluator = evaluator;
        this.magics = new Magics(evaluator);
        Notebook.setSink(new DisplaySink() {
            @Override
            public void display(Object value, String displayId) {
                DisplayData d = renderer.render(value);
                d.setDisplayId(displayId);
                io.display.display(d);
            }

            @Override
            public void update(Object value, String displayId) {
                io.display.updateDisplay(displayId, renderer.render(value));
            }
        });
        NotebookLiveOutputs.install(); // trainers draw a live chart here, not a terminal progress bar
    }

    private static String versionOf() {
        String v = Peft4jKernel.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String getBanner() {
        return "peft4j " + VERSION + " on Java " + Runtime.version() + " (JShell)";
    }

    /**
     * Like BaseKernel's handler, but failures are reported with the user-facing name, value and
     * traceback of {@link CellException} (e.g. {@code IllegalStateException} with cell lines)
     * instead of the kernel's own Java stack.
     */
    @Override
    protected synchronized void handleExecuteRequest(ShellReplyEnvironment env, Message<ExecuteRequest> message) {
        commManager.setMessageContext(message);
        ExecuteRequest request = message.getContent();
        int count = executionCount.getAndIncrement();
        env.setBusyDeferIdle();
        env.publish(new PublishExecuteInput(request.getCode(), count));
        replaceOutputStreams(env);
        KernelIO kio = (KernelIO) io;
        kio.attach(env, request.isStdinEnabled());
        env.defer(() -> kio.detach(env));
        try {
            DisplayData out = eval(request.getCode());
            io.out.flush();
            io.err.flush();
            if (out != null) {
                env.publish(new PublishExecuteResult(count, out));
            }
            env.defer().reply(new ExecuteReply(count, Collections.emptyMap()));
        } catch (Exception | Error e) { // an OutOfMemoryError is reported on the cell too
            io.out.flush();
            io.err.flush();
            String name;
            String value;
            List<String> plain;
            if (e instanceof CellException ce) {
                name = ce.errorName();
                value = ce.errorValue();
                plain = ce.traceback();
            } else {
                name = e.getClass().getSimpleName();
                value = e.getMessage() == null ? "" : e.getMessage();
                plain = List.of(e.toString());
            }
            env.publish(new PublishError(name, value, formatError(e)));
            ErrorReply reply = new ErrorReply(name, value, plain);
            reply.setExecutionCount(count);
            env.defer().replyError(ExecuteReply.MESSAGE_TYPE.error(), reply);
        }
    }

    @Override
    public Object evalRaw(String source) {
        int count = executionCount.get() - 1; // incremented before eval is called
        CellResult r = magics.eval(source, "In [" + count + "]"); // %maven, %time... then JShell
        if (!r.hasValue()) {
            return null;
        }
        return renderer.render(r.value());
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        String doc = evaluator.inspect(code, at);
        if (doc.isEmpty()) {
            return null;
        }
        return new DisplayData(doc);
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        Completion c = evaluator.complete(code, at);
        return new ReplacementOptions(c.candidates(), c.start(), c.end());
    }

    @Override
    public String isComplete(String code) {
        Completeness c = evaluator.completeness(code);
        return switch (c) {
            case COMPLETE -> IS_COMPLETE_YES;
            case INVALID -> IS_COMPLETE_BAD;
            case INCOMPLETE -> "    ";
        };
    }

    @Override
    public void interrupt() {
        evaluator.interrupt();
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        super.onShutdown(isRestarting);
        evaluator.close();
    }

    @Override
    public List<String> formatError(Throwable e) {
        if (e instanceof CellException ce) {
            List<String> lines = new ArrayList<>();
            List<String> tb = ce.traceback();
            for (int i = 0; i < tb.size(); i++) {
                String l = tb.get(i);
                boolean header = !l.isEmpty() && !Character.isWhitespace(l.charAt(0));
                lines.add(header ? errorStyler.secondary(l) : errorStyler.primary(l));
            }
            return lines;
        }
        return super.formatError(e);
    }

    /** Connects to Jupyter with a connection file and serves until shutdown. */
    public static void serve(Path connectionFile) throws Exception {
        String json = Files.readString(connectionFile, StandardCharsets.UTF_8);
        KernelConnectionProperties props = KernelConnectionProperties.parse(json);
        JupyterConnection connection = new JupyterConnection(props);
        JShellEvaluator evaluator = JShellEvaluator.create();
        Peft4jKernel kernel = new Peft4jKernel(evaluator, new MimeRenderer());
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            // cells' own exit calls are trapped (CellExit); this is library code or a signal
                            if (evaluator.isRunning()) {
                                System.err.println(
                                        "The kernel is exiting while this cell runs: code outside the cell called"
                                                + " System.exit, or the process got a signal. Jupyter restarts it.");
                                System.err.flush();
                            }
                        },
                        "peft4j-kernel-exit"));
        kernel.onStartup();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
    }
}
