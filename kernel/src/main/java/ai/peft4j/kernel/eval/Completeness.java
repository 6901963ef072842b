package ai.peft4j.kernel.eval;

/** Whether a cell can run as typed (Jupyter's {@code is_complete} request). */
public enum Completeness {
    /** Every snippet is complete. */
    COMPLETE,
    /** The last snippet needs more input (unclosed brace, parenthesis...). */
    INCOMPLETE,
    /** The text cannot be parsed as Java snippets. */
    INVALID
}
