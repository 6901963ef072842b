package ai.peft4j.kernel.eval;

import java.util.List;

/**
 * The cell was stopped (interrupt from the frontend or a timeout). Definitions made before the
 * stop are kept; the remaining snippets of the cell did not run.
 *
 * <p>A cell that ignores the stop (it catches {@code Throwable} in a loop, say) is abandoned
 * after a grace period: the kernel stops waiting for it and keeps serving, while its thread may
 * go on running in the background ({@link #threadAbandoned()}).
 */
public class EvaluationInterruptedException extends CellException {
    private static final long serialVersionUID = 1L;

    static final String ABANDONED_NOTE = "it ignored the stop, so its thread was abandoned and may still be running";

    private final boolean threadAbandoned;

    public EvaluationInterruptedException(String message) {
        this(message, false);
    }

    public EvaluationInterruptedException(String message, boolean threadAbandoned) {
        super(threadAbandoned ? message + "; " + ABANDONED_NOTE : message);
        this.threadAbandoned = threadAbandoned;
    }

    /** Whether the cell's thread ignored the stop and was left running. */
    public boolean threadAbandoned() {
        return threadAbandoned;
    }

    @Override
    public List<String> traceback() {
        return List.of(getMessage());
    }
}
