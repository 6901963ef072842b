package ai.peft4j.kernel.runtime;

import java.util.Objects;
import java.util.UUID;

/**
 * Static facade for cell code: {@code display(obj)} shows an object as an extra output (rendered
 * like a cell value, so objects with {@code toHtml()} appear as HTML) and returns an id that
 * {@code updateDisplay(id, obj)} redraws in place, e.g. a loss curve during training.
 */
public final class Notebook {
    private static volatile DisplaySink sink = DisplaySink.STDOUT;

    private Notebook() {}

    /** Shows {@code value} as a new output and returns its display id. */
    public static String display(Object value) {
        String id = UUID.randomUUID().toString();
        sink.display(value, id);
        return id;
    }

    /** Redraws the output that {@link #display(Object)} created under {@code displayId}. */
    public static void updateDisplay(String displayId, Object value) {
        sink.update(value, Objects.requireNonNull(displayId, "displayId"));
    }

    /** The sink in use: the running cell's outputs, or standard output between cells. */
    static DisplaySink sink() {
        return sink;
    }

    /** Installs the host's sink; {@code null} restores printing to standard output. */
    public static void setSink(DisplaySink newSink) {
        sink = newSink == null ? DisplaySink.STDOUT : newSink;
    }
}
