package ai.peft4j.kernel.eval;

import java.util.ArrayList;
import java.util.List;

/** A snippet of the cell did not compile; diagnostics carry the cell's own line numbers. */
public final class CompilationException extends CellException {
    private static final long serialVersionUID = 1L;

    /**
     * One compiler error.
     *
     * @param line 1-based line in the cell
     * @param column 1-based column in that line
     * @param message the compiler's message (may span several lines)
     * @param sourceLine the text of that cell line
     */
    public record Diagnostic(int line, int column, String message, String sourceLine) {
        /** {@code line 3: cannot find symbol}, first message line only. */
        public String summary() {
            String first = message.lines().findFirst().orElse("");
            return "line " + line + ": " + first;
        }
    }

    private final transient List<Diagnostic> diagnostics;

    public CompilationException(List<Diagnostic> diagnostics) {
        super(summarize(diagnostics));
        this.diagnostics = List.copyOf(diagnostics);
    }

    private static String summarize(List<Diagnostic> diagnostics) {
        if (diagnostics.isEmpty()) {
            return "compilation failed";
        }
        String s = diagnostics.get(0).summary();
        return diagnostics.size() == 1 ? s : s + " (and " + (diagnostics.size() - 1) + " more)";
    }

    /** The compiler errors, in cell order. */
    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    @Override
    public List<String> traceback() {
        List<String> lines = new ArrayList<>();
        for (Diagnostic d : diagnostics) {
            lines.add("Compilation error at line " + d.line() + ", column " + d.column() + ":");
            d.message().lines().forEach(l -> lines.add("  " + l));
            if (!d.sourceLine().isEmpty()) {
                lines.add(String.format("%4d | %s", d.line(), d.sourceLine()));
                lines.add("     | " + " ".repeat(Math.max(0, d.column() - 1)) + "^");
            }
        }
        return lines;
    }
}
