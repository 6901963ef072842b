package ai.peft4j.display;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(value, indent=2, sort_keys=True)}, the exact text PEFT writes into
 * {@code adapter_config.json}.
 *
 * <p>Rules reproduced: two-space indentation; {@code "key": value} with no space before the colon and one after;
 * one list item or dict entry per line; {@code []} and {@code {}} for empty containers; keys of every dict sorted
 * by code point; floats as {@link PyFormat#repr(double)} ({@code Infinity}/{@code NaN} for non-finite values, as
 * Python's default {@code allow_nan=True} does); non-ASCII characters escaped as {@code \}{@code uXXXX}
 * ({@code ensure_ascii=True}); no trailing newline.
 *
 * <p>Accepted values: {@code null}, {@link Boolean}, {@link String}, integer types ({@link Integer}, {@link Long},
 * {@link Short}, {@link Byte}, {@link BigInteger}), {@link Double} and {@link Float} (a float is widened to double
 * first, like a float32 tensor value handed to Python), {@link Map} with {@link String} keys, and any
 * {@link Collection} (written in iteration order).
 *
 * <pre>{@code
 * PyJson.dumps(Map.of("lora_dropout", 0.0, "r", 8, "target_modules", List.of("q_proj")));
 * // {
 * //   "lora_dropout": 0.0,
 * //   "r": 8,
 * //   "target_modules": [
 * //     "q_proj"
 * //   ]
 * // }
 * }</pre>
 */
public final class PyJson {

  private static final String INDENT = "  ";

  private PyJson() {}

  /** Serialises {@code value} as described in the class comment. */
  public static String dumps(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, 0, out);
    return out.toString();
  }

  private static void write(Object value, int depth, StringBuilder out) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (value instanceof String s) {
      writeString(s, out);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte || value instanceof BigInteger) {
      out.append(value);
    } else if (value instanceof Double || value instanceof Float) {
      writeFloat(((Number) value).doubleValue(), out);
    } else if (value instanceof Map<?, ?> map) {
      writeMap(map, depth, out);
    } else if (value instanceof Collection<?> list) {
      writeList(list, depth, out);
    } else {
      throw new IllegalArgumentException(
          "PyJson cannot write a " + value.getClass().getName() + " (" + value + ")");
    }
  }

  private static void writeFloat(double d, StringBuilder out) {
    // json.dumps spells non-finite floats the JavaScript way, not like repr().
    if (Double.isNaN(d)) {
      out.append("NaN");
    } else if (Double.isInfinite(d)) {
      out.append(d > 0 ? "Infinity" : "-Infinity");
    } else {
      out.append(PyFormat.repr(d));
    }
  }

  private static void writeMap(Map<?, ?> map, int depth, StringBuilder out) {
    if (map.isEmpty()) {
      out.append("{}");
      return;
    }
    List<String> keys = new ArrayList<>(map.size());
    for (Object key : map.keySet()) {
      if (!(key instanceof String s)) {
        throw new IllegalArgumentException("PyJson writes only String map keys, found " + key);
      }
      keys.add(s);
    }
    // Python compares str by code point; String.compareTo compares UTF-16 units, which differs above U+FFFF.
    keys.sort(PyJson::compareCodePoints);
    out.append("{\n");
    for (int i = 0; i < keys.size(); i++) {
      indent(depth + 1, out);
      writeString(keys.get(i), out);
      out.append(": ");
      write(map.get(keys.get(i)), depth + 1, out);
      out.append(i + 1 < keys.size() ? ",\n" : "\n");
    }
    indent(depth, out);
    out.append('}');
  }

  private static void writeList(Collection<?> list, int depth, StringBuilder out) {
    if (list.isEmpty()) {
      out.append("[]");
      return;
    }
    out.append("[\n");
    int i = 0;
    for (Object item : list) {
      indent(depth + 1, out);
      write(item, depth + 1, out);
      out.append(++i < list.size() ? ",\n" : "\n");
    }
    indent(depth, out);
    out.append(']');
  }

  private static void indent(int depth, StringBuilder out) {
    out.append(INDENT.repeat(depth));
  }

  private static void writeString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            // ensure_ascii: every non-printable-ASCII UTF-16 unit as a lower-case \\uXXXX escape
            // (surrogate pairs come out as two escapes, exactly like Python).
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
