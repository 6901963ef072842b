package ai.peft4j.kernel.eval;

/**
 * What cell code calls instead of {@code System.exit}, {@code Runtime.exit} and {@code
 * Runtime.halt}: {@link ExitCalls} rewrites those calls in every class a cell defines, as JShell
 * loads it. Cells run in the kernel's own JVM, so a real exit would end the kernel (or the
 * headless run) without a word; instead the call ends the cell with a {@link
 * SystemExitException}, as IPython does with {@code sys.exit()}.
 *
 * <p>Public only because the rewritten cell classes call it; not an API.
 */
public final class CellExit {
    private CellExit() {}

    /** Thrown into the cell at the exit call; an {@link Error}, so {@code catch (Exception e)} lets it through. */
    static final class ExitRequest extends Error {
        private static final long serialVersionUID = 1L;

        ExitRequest(String call) {
            super(call + " was called");
        }
    }

    /** Replaces {@code System.exit(status)}. */
    public static void exit(int status) {
        throw request("System.exit(" + status + ")");
    }

    /** Replaces {@code runtime.exit(status)}. */
    public static void exit(Runtime runtime, int status) {
        throw request("Runtime.exit(" + status + ")");
    }

    /** Replaces {@code runtime.halt(status)}. */
    public static void halt(Runtime runtime, int status) {
        throw request("Runtime.halt(" + status + ")");
    }

    private static ExitRequest request(String call) {
        ExitRequest r = new ExitRequest(call);
        CapturingExecutionControl.exitRequested(call, r);
        return r;
    }
}
