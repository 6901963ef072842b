package ai.peft4j.kernel.eval;

/** The cell ran longer than the allowed time and was stopped. */
public final class CellTimeoutException extends EvaluationInterruptedException {
    private static final long serialVersionUID = 1L;

    public CellTimeoutException(long seconds) {
        this(seconds, false);
    }

    /**
     * @param threadAbandoned whether the cell ignored the stop and its thread was left running
     */
    public CellTimeoutException(long seconds, boolean threadAbandoned) {
        super("cell timed out after " + seconds + " s and was stopped", threadAbandoned);
    }
}
