package ai.peft4j.display;

import ai.djl.ndarray.NDArray;
import ai.peft4j.PeftModel;
import ai.peft4j.config.PeftConfig;
import java.awt.image.RenderedImage;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

/**
 * The one place that turns a value into what a notebook shows. peft4j's kernel and notebook
 * runner render every cell value and {@code display(...)} call through it, and the JJava and IJava
 * adapters ({@link ai.peft4j.display.jupyter}) register it for {@link #RICH_TYPES}, so a value
 * looks the same in each. The first rule that applies wins:
 *
 * <ol>
 *   <li>renderers {@linkplain #register registered} on this instance, newest first;
 *   <li>a {@link Displayable}: its own bundle ({@link Display#png} and {@link Display#svg} give
 *       such images);
 *   <li>an XChart chart: {@code image/png} and {@code image/svg+xml}; a {@link RenderedImage}
 *       (e.g. {@code BufferedImage}): {@code image/png};
 *   <li>peft4j's types with an HTML form ({@link Display#html}): configs, models, tables, arrays;
 *   <li>any object with a public {@code String toHtml()} method: that HTML;
 *   <li>text ({@link Display#text}): arrays and collections readable, never {@code [F@1b6d3586}.
 * </ol>
 *
 * Every bundle has {@code text/plain}. Rendering never throws: a rule that fails falls back to
 * {@code toString()}.
 *
 * <pre>{@code
 * new MimeRenderer().render(loraConfig);   // text/html (a card) + text/plain
 * new MimeRenderer().register(Path.class, p -> MimeBundle.text("file " + p));
 * }</pre>
 */
public final class MimeRenderer {

    /**
     * The types whose form is richer than {@code toString()}: what a kernel that dispatches by type
     * (JJava, IJava) registers this renderer for. Images that those kernels draw themselves are
     * left to them.
     */
    public static final List<Class<?>> RICH_TYPES = List.of(
            Displayable.class,
            PeftConfig.class,
            PeftModel.class,
            PeftModel.ParameterCounts.class,
            Table.class,
            NDArray.class,
            Chart.class);

    private record Registration<T>(Class<T> type, Function<? super T, MimeBundle> fn) {
        MimeBundle apply(Object o) {
            return fn.apply(type.cast(o));
        }
    }

    private final List<Registration<?>> registrations = new ArrayList<>();

    /**
     * Registers a renderer for {@code type} and its subtypes, tried before the built-in rules; later
     * registrations win, and one that returns {@code null} passes the value on.
     */
    public synchronized <T> MimeRenderer register(Class<T> type, Function<? super T, MimeBundle> fn) {
        registrations.add(0, new Registration<>(Objects.requireNonNull(type), Objects.requireNonNull(fn)));
        return this;
    }

    /** Renders {@code value}: registered renderers first, then {@link #standard}; never throws. */
    public MimeBundle render(Object value) {
        if (value == null) {
            return MimeBundle.text("null");
        }
        List<Registration<?>> regs;
        synchronized (this) {
            regs = new ArrayList<>(registrations);
        }
        try {
            for (Registration<?> r : regs) {
                if (r.type().isInstance(value)) {
                    MimeBundle b = r.apply(value);
                    if (b != null) {
                        return b;
                    }
                }
            }
        } catch (RuntimeException | LinkageError e) {
            return MimeBundle.text(safeToString(value));
        }
        return standard(value);
    }

    /** The built-in rules alone (see the class comment); never throws. */
    public static MimeBundle standard(Object value) {
        if (value == null) {
            return MimeBundle.text("null");
        }
        try {
            if (value instanceof Displayable) {
                return ((Displayable) value).mimeBundle();
            }
            if (value instanceof Chart || value instanceof RenderedImage) {
                return Images.bundle(value); // only now is AWT set up, headless
            }
            String html = Display.html(value);
            if (html != null) {
                return MimeBundle.html(html, Display.text(value));
            }
            html = toHtml(value);
            if (html != null) {
                return MimeBundle.html(html, safeToString(value));
            }
            return MimeBundle.text(Display.text(value));
        } catch (RuntimeException | LinkageError e) {
            return MimeBundle.text(safeToString(value));
        }
    }

    /** Calls a public no-argument {@code String toHtml()}, or returns {@code null}. */
    static String toHtml(Object value) {
        Method m;
        try {
            m = value.getClass().getMethod("toHtml");
        } catch (NoSuchMethodException e) {
            return null;
        }
        if (m.getReturnType() != String.class || Modifier.isStatic(m.getModifiers())) {
            return null;
        }
        try {
            if (!m.canAccess(value)) {
                m.setAccessible(true); // e.g. a public method of a class declared in a JShell cell
            }
            return (String) m.invoke(value);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    static String safeToString(Object value) {
        try {
            return String.valueOf(value);
        } catch (RuntimeException e) {
            return value.getClass().getName() + " (toString() failed: " + e + ")";
        }
    }
}
