package ai.peft4j.kernel.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The cell called {@code System.exit}, {@code Runtime.exit} or {@code Runtime.halt}. Cells run in
 * the kernel's JVM, so the call is not carried out: the cell ends here and the kernel keeps its
 * state, as IPython does with {@code sys.exit()}. Restart the kernel to start over.
 */
public final class SystemExitException extends CellException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> frames;

    SystemExitException(String call, List<String> frames) {
        super(call + " was called; the kernel does not exit (restart it to start over)");
        this.frames = List.copyOf(frames);
    }

    @Override
    public List<String> traceback() {
        List<String> lines = new ArrayList<>();
        lines.add(getClass().getSimpleName() + ": " + getMessage());
        frames.forEach(f -> lines.add("    at " + f));
        return lines;
    }
}
