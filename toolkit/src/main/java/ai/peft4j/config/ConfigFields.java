package ai.peft4j.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys of one {@code adapter_config.json}, read with type checks and bookkeeping of which keys were used.
 *
 * <p>Config readers registered with {@link PeftConfigRegistry} take values from here; every typed getter fails
 * with a {@link PeftConfigException} that names the key, the value found and the type expected. Keys nobody
 * asked for are reported afterwards by {@link #unusedKeys()}, so a file from a newer PEFT still loads and the
 * user learns what was dropped.
 *
 * <p>Values are converted to plain Java: JSON objects to {@link Map} (file order kept), arrays to {@link List},
 * integers to {@link Integer} (or {@link Long}/{@link BigInteger} when larger), other numbers to {@link Double}.
 * The distinction between {@code 8} and {@code 8.0} is kept, as Python's {@code json} keeps it.
 *
 * <pre>{@code
 * ConfigFields f = ConfigFields.parse("{\"r\": 4, \"future_key\": 1}");
 * f.integer("r", 8);     // 4
 * f.unusedKeys();        // [future_key]
 * }</pre>
 */
public final class ConfigFields {

    // Python's json module writes NaN and Infinity for non-finite floats, so the reader must accept them.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private final Map<String, Object> values;
    private final Set<String> used = new LinkedHashSet<>();

    private ConfigFields(Map<String, Object> values) {
        this.values = values;
    }

    /** Parses a JSON object; anything else (invalid JSON, a list at the top) is a {@link PeftConfigException}. */
    public static ConfigFields parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new PeftConfigException(
                    "not valid JSON: " + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " (line " + e.getLocation().getLineNr() + ", column "
                                            + e.getLocation().getColumnNr() + ")"),
                    e);
        }
        if (root == null || !root.isObject()) {
            throw new PeftConfigException("expected a JSON object {...} at the top level, found "
                    + (root == null ? "nothing" : describe(toJava(root))));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) toJava(root);
        return new ConfigFields(map);
    }

    /** Wraps values that are already plain Java (for example a map built in code). */
    public static ConfigFields of(Map<String, ?> values) {
        return new ConfigFields(new LinkedHashMap<>(values));
    }

    /** Whether the key is present, even with a {@code null} value. Does not count as using it. */
    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** The converted value of {@code key} ({@code null} when absent or null), marking it used. */
    public Object raw(String key) {
        used.add(key);
        return values.get(key);
    }

    /** A string that may be {@code null}; {@code dflt} when the key is absent. */
    public String optString(String key, String dflt) {
        if (!has(key)) {
            used.add(key);
            return dflt;
        }
        Object v = raw(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw wrongType(key, v, "a string or null");
    }

    /** A non-null string; {@code dflt} when the key is absent. */
    public String string(String key, String dflt) {
        String s = optString(key, dflt);
        if (s == null && has(key)) {
            throw wrongType(key, null, "a string");
        }
        return s;
    }

    /** A JSON boolean; {@code dflt} when the key is absent. */
    public boolean bool(String key, boolean dflt) {
        if (!has(key)) {
            used.add(key);
            return dflt;
        }
        Object v = raw(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, v, "true or false");
    }

    /** A JSON integer that fits an {@code int}; {@code dflt} when the key is absent. */
    public int integer(String key, int dflt) {
        if (!has(key)) {
            used.add(key);
            return dflt;
        }
        return toInt(key, raw(key), false);
    }

    /**
     * Like {@link #integer} but also accepts a float with an integral value ({@code 16.0}), which Python code
     * sometimes writes for fields declared {@code int}; {@code 0.5} is still an error.
     */
    public int integerLenient(String key, int dflt) {
        if (!has(key)) {
            used.add(key);
            return dflt;
        }
        return toInt(key, raw(key), true);
    }

    /** Any JSON number as a double; {@code dflt} when the key is absent. */
    public double number(String key, double dflt) {
        if (!has(key)) {
            used.add(key);
            return dflt;
        }
        Object v = raw(key);
        if (v instanceof Number n && !(v instanceof BigInteger)) {
            return n.doubleValue();
        }
        throw wrongType(key, v, "a number");
    }

    /** A JSON object, or {@code null}; {@code dflt} when the key is absent. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> optObject(String key, Map<String, Object> dflt) {
        if (!has(key)) {
            used.add(key);
            return dflt;
        }
        Object v = raw(key);
        if (v == null || v instanceof Map) {
            return (Map<String, Object>) v;
        }
        throw wrongType(key, v, "a JSON object {...} or null");
    }

    /** A list of strings, or {@code null}; {@code null} when the key is absent. */
    public List<String> optStringList(String key) {
        Object v = raw(key);
        if (v == null) {
            return null;
        }
        return stringList(key, v, "a list of strings or null");
    }

    /** Checks that {@code value} (taken from {@code key}) is a list of strings. */
    public List<String> stringList(String key, Object value, String expected) {
        if (!(value instanceof List<?> list)) {
            throw wrongType(key, value, expected);
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object item : list) {
            if (!(item instanceof String s)) {
                throw wrongType(key, value, expected + " (item " + describe(item) + " is not a string)");
            }
            out.add(s);
        }
        return out;
    }

    /** Checks that {@code value} (taken from {@code key}) is an integer fitting an {@code int}. */
    public int toInt(String key, Object value, boolean acceptIntegralFloat) {
        if (value instanceof Integer i) {
            return i;
        }
        if (acceptIntegralFloat && value instanceof Double d && d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
            return d.intValue();
        }
        if (value instanceof Long || value instanceof BigInteger) {
            throw wrongType(key, value, "an integer that fits 32 bits");
        }
        throw wrongType(key, value, "an integer");
    }

    /** The keys present in the file that no getter asked for, in file order. */
    public List<String> unusedKeys() {
        List<String> out = new ArrayList<>();
        for (String key : values.keySet()) {
            if (!used.contains(key)) {
                out.add(key);
            }
        }
        return out;
    }

    /** A type error naming the key, the value found and what was expected. */
    public static PeftConfigException wrongType(String key, Object found, String expected) {
        return new PeftConfigException("key '" + key + "': expected " + expected + ", found " + describe(found));
    }

    /** A short description of a converted JSON value for error messages, e.g. {@code the string "four"}. */
    public static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return "the string \"" + s + "\"";
        }
        if (v instanceof Boolean b) {
            return "the boolean " + b;
        }
        if (v instanceof Double d) {
            return "the float " + ai.peft4j.io.json.PythonRepr.ofDouble(d);
        }
        if (v instanceof Number n) {
            return "the integer " + n;
        }
        if (v instanceof Map<?, ?> m) {
            return "an object " + abbreviate(m.toString());
        }
        if (v instanceof Collection<?> c) {
            return "a list " + abbreviate(c.toString());
        }
        return "a " + v.getClass().getSimpleName() + " " + abbreviate(String.valueOf(v));
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /**
     * A deep, unmodifiable copy of a plain-Java JSON value (maps keep their order). Fails on anything
     * {@link ai.peft4j.io.json.PythonJson} could not write, so a bad value is caught when a config is built, not when
     * it is saved.
     */
    public static Object freeze(Object v) {
        if (v == null
                || v instanceof String
                || v instanceof Boolean
                || v instanceof Integer
                || v instanceof Long
                || v instanceof BigInteger
                || v instanceof Double
                || v instanceof Short
                || v instanceof Byte
                || v instanceof Float) {
            return v;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new PeftConfigException("JSON object keys must be strings, found " + e.getKey());
                }
                out.put(k, freeze(e.getValue()));
            }
            return Collections.unmodifiableMap(out);
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object item : c) {
                out.add(freeze(item));
            }
            return Collections.unmodifiableList(out);
        }
        throw new PeftConfigException("cannot store a " + v.getClass().getName() + " in a JSON config: " + v);
    }

    private static Object toJava(JsonNode n) {
        if (n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isIntegralNumber()) {
            if (n.canConvertToInt()) {
                return n.intValue();
            }
            return n.canConvertToLong() ? (Object) n.longValue() : n.bigIntegerValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isArray()) {
            List<Object> out = new ArrayList<>(n.size());
            for (JsonNode item : n) {
                out.add(toJava(item));
            }
            return out;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), toJava(e.getValue()));
        }
        return out;
    }
}
