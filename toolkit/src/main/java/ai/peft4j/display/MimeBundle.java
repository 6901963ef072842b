package ai.peft4j.display;

import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One value's representations keyed by MIME type, in the order kernels send them: the {@code
 * data} of a Jupyter {@code execute_result} or {@code display_data}. Images are held as base64
 * text, as Jupyter's protocol and nbformat store them.
 *
 * <pre>{@code
 * MimeBundle.html("<b>ready</b>", "ready");         // text/html + text/plain
 * MimeBundle.png(pngBytes, "loss curve");           // image/png + text/plain
 * }</pre>
 */
public final class MimeBundle {
    public static final String TEXT = "text/plain";
    public static final String HTML = "text/html";
    public static final String PNG = "image/png";
    public static final String SVG = "image/svg+xml";

    private final Map<String, String> data = new LinkedHashMap<>();

    /** A bundle with only {@code text/plain}. */
    public static MimeBundle text(String text) {
        return new MimeBundle().put(TEXT, text);
    }

    /** A bundle with {@code text/html} and its {@code text/plain} fallback. */
    public static MimeBundle html(String html, String text) {
        return new MimeBundle().put(HTML, html).put(TEXT, text);
    }

    /** A bundle with a PNG image (base64-encoded here) and its {@code text/plain} fallback. */
    public static MimeBundle png(byte[] png, String text) {
        return new MimeBundle()
                .put(PNG, Base64.getEncoder().encodeToString(png))
                .put(TEXT, text);
    }

    /** Adds (or replaces) the representation for {@code mime}; returns this bundle. */
    public MimeBundle put(String mime, String value) {
        data.put(Objects.requireNonNull(mime, "mime"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** The representation for {@code mime}, or {@code null}. */
    public String get(String mime) {
        return data.get(mime);
    }

    /** All representations, MIME type to content, in insertion order (read-only). */
    public Map<String, String> data() {
        return Collections.unmodifiableMap(data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MimeBundle && ((MimeBundle) o).data.equals(data);
    }

    @Override
    public int hashCode() {
        return data.hashCode();
    }

    @Override
    public String toString() {
        return data.toString();
    }
}
