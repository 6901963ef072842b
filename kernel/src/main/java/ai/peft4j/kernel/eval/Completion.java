package ai.peft4j.kernel.eval;

import java.util.List;

/**
 * Completion candidates for a cursor position in a cell.
 *
 * @param candidates replacement texts, best first
 * @param start cell offset where the replaced text starts
 * @param end cell offset where it ends (the cursor)
 */
public record Completion(List<String> candidates, int start, int end) {
    public Completion {
        candidates = List.copyOf(candidates);
    }
}
