package ai.peft4j.kernel.eval;

/**
 * What a cell evaluated to. A cell has a value when its last snippet is an expression; the value
 * is the real object (evaluation runs in this JVM) and may be {@code null}.
 *
 * @param hasValue whether the last snippet was an expression with a value
 * @param value the value itself, {@code null} when there is none or the expression was null
 * @param typeName the static type JShell inferred for the expression, or empty
 */
public record CellResult(boolean hasValue, Object value, String typeName) {
    /** A cell that ended in a statement or declaration. */
    public static final CellResult NONE = new CellResult(false, null, "");

    static CellResult of(Object value, String typeName) {
        return new CellResult(true, value, typeName == null ? "" : typeName);
    }
}
