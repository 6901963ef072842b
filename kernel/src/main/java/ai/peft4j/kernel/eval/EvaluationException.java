package ai.peft4j.kernel.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * User code threw. The traceback shows only the user's frames (cell lines and library code that
 * cell code called); JShell's and the kernel's own frames are cut.
 */
public final class EvaluationException extends CellException {
    private static final long serialVersionUID = 1L;

    private final String exceptionClassName;
    private final String exceptionMessage;
    private final transient List<String> traceback;
    private final transient Throwable userException;

    public EvaluationException(
            String exceptionClassName, String exceptionMessage, List<String> traceback, Throwable userException) {
        super(exceptionMessage == null ? exceptionClassName : exceptionClassName + ": " + exceptionMessage);
        this.exceptionClassName = exceptionClassName;
        this.exceptionMessage = exceptionMessage;
        this.traceback = List.copyOf(traceback);
        this.userException = userException;
    }

    /** Fully qualified class name of what the user's code threw. */
    public String exceptionClassName() {
        return exceptionClassName;
    }

    /** The thrown exception's message, possibly {@code null}. */
    public String exceptionMessage() {
        return exceptionMessage;
    }

    /** The very object the cell threw (evaluation runs in this JVM), or {@code null} if unknown. */
    public Throwable userException() {
        return userException;
    }

    @Override
    public String errorName() {
        int dot = exceptionClassName.lastIndexOf('.');
        return dot < 0 ? exceptionClassName : exceptionClassName.substring(dot + 1);
    }

    @Override
    public String errorValue() {
        return exceptionMessage == null ? "" : exceptionMessage;
    }

    @Override
    public List<String> traceback() {
        return new ArrayList<>(traceback);
    }
}
