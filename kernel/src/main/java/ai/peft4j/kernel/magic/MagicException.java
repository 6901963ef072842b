package ai.peft4j.kernel.magic;

import ai.peft4j.kernel.eval.CellException;
import java.util.List;

/**
 * A magic could not do its work: an artifact that does not resolve, a glob that matches nothing,
 * bad arguments. The message is one line that names the magic and the way out; there is no
 * stack trace to show.
 */
public final class MagicException extends CellException {
    private static final long serialVersionUID = 1L;

    public MagicException(String message) {
        super(message);
    }

    public MagicException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public List<String> traceback() {
        return List.of(getMessage());
    }
}
