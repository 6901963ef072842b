package ai.peft4j.display;

/**
 * A value that knows how a notebook shows it. {@link MimeRenderer} uses the bundle as is, so the
 * value looks the same in peft4j's kernel, its notebook runner, JJava and IJava; JShell prints
 * {@code toString()}.
 *
 * <pre>{@code
 * record Status(String s) implements Displayable {
 *   public MimeBundle mimeBundle() { return MimeBundle.html("<b>" + s + "</b>", s); }
 * }
 * }</pre>
 */
public interface Displayable {

    /** This value's representations; at least {@code text/plain}. */
    MimeBundle mimeBundle();
}
