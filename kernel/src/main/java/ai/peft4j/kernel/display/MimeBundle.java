package ai.peft4j.kernel.display;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Representations of one value keyed by MIME type, in preference order. */
public final class MimeBundle {
  public static final String TEXT = "text/plain";
  public static final String HTML = "text/html";

  private final Map<String, String> data = new LinkedHashMap<>();

  /** A bundle with only {@code text/plain}. */
  public static MimeBundle text(String text) {
    return new MimeBundle().put(TEXT, text);
  }

  /** A bundle with {@code text/html} and its {@code text/plain} fallback. */
  public static MimeBundle html(String html, String text) {
    return new MimeBundle().put(HTML, html).put(TEXT, text);
  }

  public MimeBundle put(String mime, String value) {
    data.put(Objects.requireNonNull(mime), Objects.requireNonNull(value));
    return this;
  }

  /** The representation for {@code mime}, or {@code null}. */
  public String get(String mime) {
    return data.get(mime);
  }

  /** All representations, MIME type to content. */
  public Map<String, String> data() {
    return Collections.unmodifiableMap(data);
  }

  @Override
  public String toString() {
    return data.toString();
  }
}
