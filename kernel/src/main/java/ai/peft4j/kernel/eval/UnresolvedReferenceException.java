package ai.peft4j.kernel.eval;

import java.util.List;

/** Code called a method or class declared earlier that still refers to something undefined. */
public final class UnresolvedReferenceException extends CellException {
    private static final long serialVersionUID = 1L;

    private final List<String> unresolved;

    public UnresolvedReferenceException(String declaration, List<String> unresolved) {
        super(declaration
                + " cannot be used until "
                + String.join(", ", unresolved)
                + (unresolved.size() == 1 ? " is" : " are")
                + " declared");
        this.unresolved = List.copyOf(unresolved);
    }

    /** Names of the missing declarations. */
    public List<String> unresolved() {
        return unresolved;
    }

    @Override
    public List<String> traceback() {
        return List.of(getMessage());
    }
}
