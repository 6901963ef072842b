package ai.peft4j.kernel.eval;

import java.util.List;

/**
 * A cell that could not be evaluated to the end. Each failure kind has its own subclass; all of
 * them describe themselves the way a notebook error output does: a name, a value and traceback
 * lines (plain text, no terminal colours, no embedded newlines).
 */
public abstract class CellException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected CellException(String message) {
        super(message);
    }

    protected CellException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The notebook {@code ename}, e.g. {@code CompilationException} or the user's exception class. */
    public String errorName() {
        return getClass().getSimpleName();
    }

    /** The notebook {@code evalue}: a one-line summary. */
    public String errorValue() {
        String m = getMessage();
        return m == null ? "" : m;
    }

    /** The traceback lines shown under the error, one line per element. */
    public abstract List<String> traceback();
}
