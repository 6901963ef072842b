package ai.peft4j.kernel;

import ai.peft4j.kernel.install.KernelInstaller;
import ai.peft4j.kernel.jupyter.Peft4jKernel;
import ai.peft4j.kernel.notebook.NotebookRunner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Command line of {@code peft4j-kernel.jar}.
 *
 * <pre>
 * java -jar peft4j-kernel.jar install [--user | --sys-prefix | --prefix DIR] [--java PATH]
 *                                     [--no-cds]
 * java -jar peft4j-kernel.jar execute NOTEBOOK.ipynb [--output OUT.ipynb] [--timeout S]
 *                                     [--max-output-chars N] [--max-output-lines N]
 *                                     [--allow-errors] [--quiet]
 * java -jar peft4j-kernel.jar CONNECTION_FILE.json      (started by Jupyter)
 * </pre>
 */
public final class Main {
    static final String USAGE = String.join(
            "\n",
            "usage:",
            "  java -jar peft4j-kernel.jar install [--user | --sys-prefix | --prefix DIR] [--java PATH]",
            "                                      [--no-cds]   (no AppCDS start-up archive)",
            "  java -jar peft4j-kernel.jar execute NOTEBOOK.ipynb [--output OUT.ipynb] [--timeout SECONDS]",
            "                                      [--max-output-chars N] [--max-output-lines N]",
            "                                      [--allow-errors] [--quiet]",
            "  java -jar peft4j-kernel.jar CONNECTION_FILE   (how Jupyter starts the kernel)");

    /** Per-cell time limit of {@code execute} unless {@code --timeout} says otherwise (0: none). */
    public static final long DEFAULT_TIMEOUT_SECONDS = 1800;

    private Main() {}

    public static void main(String[] args) throws Exception {
        // Same defaults as kernel.json, so `java -jar peft4j-kernel.jar execute ...` needs no flags.
        setDefault("ai.djl.offline", "true");
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        PrintStream err = System.err;
        int rc;
        try {
            rc = run(args, System.out, err);
        } catch (Throwable t) {
            // JShell installs a default uncaught-exception handler that prints nothing: say it here
            err.println("error: the kernel failed: " + t);
            t.printStackTrace(err);
            rc = 3;
        }
        if (rc >= 0) {
            System.exit(rc);
        }
    }

    /**
     * Runs a command; returns the exit status, or -1 after serving a Jupyter connection.
     *
     * @param out where normal output goes
     * @param err where errors and usage go
     */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            (args.length == 0 ? err : out).println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        Deque<String> rest = new ArrayDeque<>(Arrays.asList(args).subList(1, args.length));
        try {
            switch (args[0]) {
                case "install":
                    return install(rest, out);
                case "execute":
                    return execute(rest, out, err);
                default:
                    if (args[0].startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + args[0]);
                    }
                    Peft4jKernel.serve(Path.of(args[0]));
                    return -1;
            }
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (NoSuchFileException e) {
            err.println("error: " + e.getFile() + ": no such file");
            return 2;
        } catch (AccessDeniedException e) {
            err.println("error: " + e.getFile() + ": permission denied");
            return 2;
        } catch (IOException e) {
            err.println("error: " + e.getMessage()); // NotebookFormatException names file and problem
            return 2;
        }
    }

    private static int install(Deque<String> args, PrintStream out) throws Exception {
        KernelInstaller installer = new KernelInstaller();
        KernelInstaller.Target target = new KernelInstaller.Target.User();
        while (!args.isEmpty()) {
            String a = args.pop();
            switch (a) {
                case "--user" -> target = new KernelInstaller.Target.User();
                case "--sys-prefix" -> target = new KernelInstaller.Target.SysPrefix();
                case "--prefix" -> target = new KernelInstaller.Target.Prefix(Path.of(value(args, a)));
                case "--java" -> installer.java(value(args, a));
                case "--jar" -> installer.jar(Path.of(value(args, a)));
                case "--classpath" -> installer.classPath(value(args, a));
                case "--no-cds" -> installer.appCds(false);
                default -> throw new IllegalArgumentException("unknown install option " + a);
            }
        }
        Path dir = installer.install(target);
        out.println("Installed kernelspec " + KernelInstaller.KERNEL_NAME + " in " + dir);
        if (!installer.archiveNote().isEmpty()) {
            out.println(installer.archiveNote());
        }
        return 0;
    }

    private static int execute(Deque<String> args, PrintStream out, PrintStream err) throws Exception {
        Path input = null;
        Path output = null;
        NotebookRunner.Options options =
                new NotebookRunner.Options().echo(out).timeout(Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS));
        while (!args.isEmpty()) {
            String a = args.pop();
            switch (a) {
                case "--output", "-o" -> output = Path.of(value(args, a));
                case "--timeout" -> {
                    long s = number(args, a);
                    options.timeout(s > 0 ? Duration.ofSeconds(s) : null);
                }
                case "--max-output-chars" -> options.maxOutputChars(number(args, a));
                case "--max-output-lines" -> options.maxOutputLines(number(args, a));
                case "--allow-errors" -> options.allowErrors(true);
                case "--quiet", "-q" -> options.echo(null);
                default -> {
                    if (a.startsWith("-") || input != null) {
                        throw new IllegalArgumentException("unexpected argument " + a);
                    }
                    input = Path.of(a);
                }
            }
        }
        if (input == null) {
            throw new IllegalArgumentException("execute needs a notebook");
        }
        Path target = output == null ? input : output;
        NotebookRunner.Report report = new NotebookRunner(options).run(input, target);
        if (report.failure().isPresent()) {
            err.println(report.failure().get().describe());
            err.println("Wrote " + target + " (stopped after " + report.cellsRun() + " code cells)");
            return 1;
        }
        out.println("Executed " + report.cellsRun() + " code cells; wrote " + target);
        return 0;
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static long number(Deque<String> args, String option) {
        String v = value(args, option);
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number >= 0, not " + v);
        }
    }

    private static String value(Deque<String> args, String option) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.pop();
    }
}
