package ai.peft4j.kernel.eval;

import java.util.List;

/** The cell ends in the middle of a statement or declaration (e.g. an unclosed brace). */
public final class IncompleteSourceException extends CellException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final String source;

    public IncompleteSourceException(int line, String source) {
        super("incomplete source starting at line " + line);
        this.line = line;
        this.source = source;
    }

    /** 1-based cell line where the unfinished snippet starts. */
    public int line() {
        return line;
    }

    /** The unfinished snippet text. */
    public String source() {
        return source;
    }

    @Override
    public List<String> traceback() {
        String first = source.strip().lines().findFirst().orElse("");
        return List.of(
                "Incomplete source at line " + line + ": " + first,
                "  (a statement or declaration is not finished: check braces, parentheses and ';')");
    }
}
