package ai.peft4j.kernel.display;

import ai.djl.ndarray.NDArray;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Renders values into {@link MimeBundle}s. Registered renderers are tried newest first, by {@code
 * isInstance}; then the built-in rules:
 *
 * <ol>
 *   <li>an object with a public {@code String toHtml()} method gives {@code text/html} plus
 *       {@code text/plain} from {@code toString()};
 *   <li>DJL {@code NDArray}: dtype, shape, device and the first values;
 *   <li>arrays: {@code Arrays.deepToString};
 *   <li>anything else: {@code toString()} ({@code "null"} for null).
 * </ol>
 *
 * A renderer that throws falls back to plain {@code toString()}.
 */
public final class Renderer {
  /** How many leading values an {@code NDArray} summary shows. */
  public static final int NDARRAY_PREVIEW = 10;

  private record Registration<T>(Class<T> type, Function<? super T, MimeBundle> fn) {
    MimeBundle apply(Object o) {
      return fn.apply(type.cast(o));
    }
  }

  private final List<Registration<?>> registrations = new ArrayList<>();

  /**
   * A renderer that knows peft4j's types: configs as cards, models as summaries, Tablesaw tables
   * as HTML tables (see {@link ai.peft4j.display.Display}).
   */
  public static Renderer withPeft4j() {
    return new Renderer().register(Object.class, o -> {
      if (!ai.peft4j.display.Display.hasHtml(o)) {
        return null;
      }
      return MimeBundle.html(ai.peft4j.display.Display.html(o), ai.peft4j.display.Display.text(o));
    });
  }

  /** Registers a renderer for {@code type} and its subtypes; later registrations win. */
  public synchronized <T> Renderer register(Class<T> type, Function<? super T, MimeBundle> fn) {
    registrations.add(0, new Registration<>(Objects.requireNonNull(type), Objects.requireNonNull(fn)));
    return this;
  }

  /** Renders {@code value}; never throws. */
  public MimeBundle render(Object value) {
    if (value == null) {
      return MimeBundle.text("null");
    }
    try {
      List<Registration<?>> regs;
      synchronized (this) {
        regs = new ArrayList<>(registrations);
      }
      for (Registration<?> r : regs) {
        if (r.type().isInstance(value)) {
          MimeBundle b = r.apply(value);
          if (b != null) {
            return b;
          }
        }
      }
      return builtIn(value);
    } catch (RuntimeException | LinkageError e) {
      return MimeBundle.text(safeToString(value));
    }
  }

  private static MimeBundle builtIn(Object value) {
    String html = toHtml(value);
    if (html != null) {
      return MimeBundle.html(html, safeToString(value));
    }
    if (isNdArray(value)) {
      return MimeBundle.text(NdArrays.summary((NDArray) value, NDARRAY_PREVIEW));
    }
    if (value.getClass().isArray()) {
      return MimeBundle.text(arrayToString(value));
    }
    return MimeBundle.text(safeToString(value));
  }

  private static boolean isNdArray(Object value) {
    try {
      return value instanceof NDArray;
    } catch (LinkageError e) {
      return false; // DJL not on the class path
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
        m.setAccessible(true);
      }
      return (String) m.invoke(value);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** {@code Arrays.deepToString} for any array, primitive ones included. */
  static String arrayToString(Object array) {
    return Arrays.deepToString(new Object[] {array}).replaceFirst("^\\[", "").replaceFirst("]$", "");
  }

  private static String safeToString(Object value) {
    try {
      return String.valueOf(value);
    } catch (RuntimeException e) {
      return value.getClass().getName() + " (toString() failed: " + e + ")";
    }
  }
}
