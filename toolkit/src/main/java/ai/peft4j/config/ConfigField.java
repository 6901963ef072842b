package ai.peft4j.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * One key of {@code adapter_config.json}, declared once: its JSON key, how its value is read and written, PEFT's
 * default and the checks a value must pass. Config classes declare their fields as constants and list them in their
 * {@link ConfigSchema}; reading, writing, equality, {@code toString} and the builders all follow these declarations.
 *
 * <pre>{@code
 * public static final ConfigField<Integer> R = ConfigField.integer("r", 8)
 *     .check(r -> r > 0, r -> "the LoRA rank must be a positive integer, found " + r);
 *
 * config.get(LoraConfig.R);                              // 8
 * LoraConfig.builder().set(LoraConfig.R, 16).build();    // the same as .r(16)
 * }</pre>
 *
 * <p>Fields are immutable; {@link #check}, {@link #copiedWith}, {@link #comparedAs} and {@link #writtenOnlyWhenSet}
 * return changed copies, meant to be chained where the constant is declared. A {@code null} value never reaches a check: for a field that may
 * be null ({@link #isNullable()}), null is always valid; for one that may not, setting null fails at once.
 *
 * @param <T> the Java type of the value
 */
public final class ConfigField<T> {

    /** Converts a key's value, already plain Java (see {@link ConfigFields}), or fails naming the key. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(ConfigFields fields, String key, Object value);
    }

    private final String key;
    private final T defaultValue;
    private final boolean nullable;
    private final Reader<T> reader;
    private final Function<? super T, Object> writer;
    private final UnaryOperator<T> copier;
    private final Function<? super T, Object> comparer;
    private final List<Function<? super T, String>> checks;
    private final boolean writtenOnlyWhenSet;
    private final boolean javaOnly;

    private ConfigField(
            String key,
            T defaultValue,
            boolean nullable,
            Reader<T> reader,
            Function<? super T, Object> writer,
            UnaryOperator<T> copier,
            Function<? super T, Object> comparer,
            List<Function<? super T, String>> checks,
            boolean writtenOnlyWhenSet,
            boolean javaOnly) {
        this.key = Objects.requireNonNull(key, "key");
        this.defaultValue = defaultValue;
        this.nullable = nullable;
        this.reader = reader;
        this.writer = writer;
        this.copier = copier;
        this.comparer = comparer;
        this.checks = List.copyOf(checks);
        this.writtenOnlyWhenSet = writtenOnlyWhenSet;
        this.javaOnly = javaOnly;
    }

    // ---------------------------------------------------------------- kinds of field

    /**
     * A field of any type. {@code reader} gets the value when the key is present ({@code null} only for a
     * non-nullable field, which must then fail or choose a value); {@code writer} gives the plain-Java value written
     * to JSON for a non-null value.
     */
    public static <T> ConfigField<T> of(
            String key, T defaultValue, boolean nullable, Reader<T> reader, Function<? super T, Object> writer) {
        return new ConfigField<>(key, defaultValue, nullable, reader, writer, v -> v, null, List.of(), false, false);
    }

    /**
     * A setting that exists only in Java: never read from or written to {@code adapter_config.json}, and not part of
     * equality; {@code name} stands in for the key in messages. {@code copier} makes a set value unmodifiable.
     */
    public static <T> ConfigField<T> javaOnly(String name, UnaryOperator<T> copier) {
        return new ConfigField<>(name, null, true, null, v -> v, copier, null, List.of(), true, true);
    }

    /** A JSON integer that fits an {@code int}; never null. */
    public static ConfigField<Integer> integer(String key, int defaultValue) {
        return integer(key, defaultValue, false);
    }

    /** Like {@link #integer(String, int)}; {@code integralFloats} also accepts {@code 16.0} (Python code writes it). */
    public static ConfigField<Integer> integer(String key, int defaultValue, boolean integralFloats) {
        return of(key, defaultValue, false, (f, k, v) -> f.toInt(k, v, integralFloats), v -> v);
    }

    /** A JSON integer or {@code null}; {@code null} by default. */
    public static ConfigField<Integer> optInteger(String key) {
        return of(key, null, true, (f, k, v) -> f.toInt(k, v, false), v -> v);
    }

    /** Any JSON number, as a {@code double}; never null. */
    public static ConfigField<Double> number(String key, double defaultValue) {
        return of(key, defaultValue, false, typed(Number.class, "a number", n -> n.doubleValue()), v -> v);
    }

    /** {@code true} or {@code false}; never null. */
    public static ConfigField<Boolean> bool(String key, boolean defaultValue) {
        return of(key, defaultValue, false, typed(Boolean.class, "true or false", b -> b), v -> v);
    }

    /** A string or {@code null}. */
    public static ConfigField<String> string(String key, String defaultValue) {
        return of(key, defaultValue, true, typed(String.class, "a string or null", t -> t), v -> v);
    }

    /**
     * Reads a value of {@code type}, converted by {@code convert}; anything else fails as not being {@code expected}.
     * An integer too large for a {@code long} (a {@link BigInteger}) counts as no number: no value PEFT writes.
     */
    private static <V, T> Reader<T> typed(Class<V> type, String expected, Function<? super V, T> convert) {
        return (f, k, v) -> {
            if (type.isInstance(v) && !(v instanceof BigInteger)) {
                return convert.apply(type.cast(v));
            }
            throw ConfigFields.wrongType(k, v, expected);
        };
    }

    /** A JSON object or {@code null} (kept deeply unmodifiable); {@code null} by default. */
    public static ConfigField<Map<String, Object>> object(String key) {
        return ConfigField.<Map<String, Object>>of(key, null, true, ConfigField::toObject, v -> v)
                .copiedWith(ConfigField::freeze);
    }

    /** A JSON object (kept deeply unmodifiable); empty by default and when the file says {@code null}. */
    public static ConfigField<Map<String, Object>> objectOrEmpty(String key) {
        return ConfigField.<Map<String, Object>>of(
                        key, Map.of(), false, (f, k, v) -> v == null ? Map.of() : toObject(f, k, v), v -> v)
                .copiedWith(ConfigField::freeze);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> toObject(ConfigFields f, String key, Object v) {
        return typed(Map.class, "a JSON object {...} or null", m -> (Map<String, Object>) m)
                .read(f, key, v);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> freeze(Map<String, Object> v) {
        return (Map<String, Object>) ConfigFields.freeze(v);
    }

    /** A list of strings or {@code null}; {@code null} by default. */
    public static ConfigField<List<String>> stringList(String key) {
        return ConfigField.<List<String>>of(
                        key, null, true, (f, k, v) -> f.stringList(k, v, "a list of strings or null"), v -> v)
                .copiedWith(v -> Collections.unmodifiableList(new ArrayList<>(v)));
    }

    /**
     * A JSON object of integers ({@code {"q_proj": 16}}), file order kept; empty by default and when the file says
     * {@code null}. {@code integralFloats} also accepts {@code 16.0}.
     */
    public static ConfigField<Map<String, Integer>> intMap(String key, boolean integralFloats) {
        return ConfigField.<Map<String, Integer>>of(
                        key,
                        Map.of(),
                        false,
                        (f, k, v) -> {
                            Map<String, Integer> out = new LinkedHashMap<>();
                            if (v != null) {
                                if (!(v instanceof Map<?, ?> m)) {
                                    throw ConfigFields.wrongType(k, v, "a JSON object {...} or null");
                                }
                                m.forEach((name, n) ->
                                        out.put((String) name, f.toInt(k + "." + name, n, integralFloats)));
                            }
                            return out;
                        },
                        v -> v)
                .copiedWith(v -> Collections.unmodifiableMap(new LinkedHashMap<>(v)));
    }

    /** One of an enum's constants, written as the string {@code json} gives; never null. */
    public static <E extends Enum<E>> ConfigField<E> choice(
            String key, E defaultValue, Function<String, E> parse, Function<? super E, Object> json) {
        return of(key, defaultValue, false, typed(String.class, "a string", parse), json);
    }

    /**
     * A value PEFT accepts as one item or a list ({@code "layers_to_transform": 0} or {@code [0, 1]}); it is written
     * back in the form it was given. {@code null} by default.
     */
    public static <E> ConfigField<OneOrList<E>> oneOrList(String key, Reader<E> item, String expected) {
        return of(
                key,
                null,
                true,
                (f, k, v) -> {
                    if (v instanceof List<?> list) {
                        List<E> out = new ArrayList<>();
                        for (Object o : list) {
                            out.add(item.read(f, k, o));
                        }
                        return OneOrList.list(out);
                    }
                    try {
                        return OneOrList.one(item.read(f, k, v));
                    } catch (PeftConfigException e) {
                        throw ConfigFields.wrongType(k, v, expected);
                    }
                },
                OneOrList::toJson);
    }

    /** {@link #oneOrList} of integers ({@code "layers_to_transform": 0} or {@code [0, 1]}). */
    public static ConfigField<OneOrList<Integer>> intOrList(String key, String expected) {
        return oneOrList(key, (f, k, v) -> f.toInt(k, v, false), expected);
    }

    /** {@link #oneOrList} of strings ({@code "layers_pattern": "layers"} or {@code ["layers", "h"]}). */
    public static ConfigField<OneOrList<String>> stringOrList(String key) {
        String expected = "null, a string, or a list of strings";
        return oneOrList(
                key,
                (f, k, v) ->
                        f.stringList(k, Collections.singletonList(v), expected).get(0),
                expected);
    }

    /** The constant of {@code values} whose JSON value is {@code value}, or an error naming the key and the choices. */
    public static <E> E lookup(String key, Object value, E[] values, Function<E, Object> json, String expected) {
        for (E e : values) {
            if (json.apply(e).equals(value)) {
                return e;
            }
        }
        throw ConfigFields.wrongType(key, value, expected);
    }

    // ---------------------------------------------------------------- modifiers (copies)

    /** Adds a check: a non-null value must satisfy {@code ok}, else {@code problem} says why (the key is prefixed). */
    public ConfigField<T> check(Predicate<? super T> ok, Function<? super T, String> problem) {
        return check(v -> ok.test(v) ? null : problem.apply(v));
    }

    /** Adds a check that returns what is wrong with a non-null value, or {@code null} when it is fine. */
    public ConfigField<T> check(Function<? super T, String> problem) {
        List<Function<? super T, String>> more = new ArrayList<>(checks);
        more.add(problem);
        return new ConfigField<>(
                key, defaultValue, nullable, reader, writer, copier, comparer, more, writtenOnlyWhenSet, javaOnly);
    }

    /** Makes a set value unmodifiable with {@code copier} (a copy of a list or map, say). */
    public ConfigField<T> copiedWith(UnaryOperator<T> copier) {
        return new ConfigField<>(
                key, defaultValue, nullable, reader, writer, copier, comparer, checks, writtenOnlyWhenSet, javaOnly);
    }

    /** Compares values by {@code comparable} instead of their written form (a set written as a list, say). */
    public ConfigField<T> comparedAs(Function<? super T, Object> comparable) {
        return new ConfigField<>(
                key, defaultValue, nullable, reader, writer, copier, comparable, checks, writtenOnlyWhenSet, javaOnly);
    }

    /** Leaves the key out of the file while the value is {@code null} (for keys older PEFT versions reject). */
    public ConfigField<T> writtenOnlyWhenSet() {
        return new ConfigField<>(key, defaultValue, nullable, reader, writer, copier, comparer, checks, true, javaOnly);
    }

    // ---------------------------------------------------------------- use

    /** The JSON key (for a {@link #javaOnly} setting, its name). */
    public String key() {
        return key;
    }

    /** PEFT's default, used when the key is absent and by a fresh builder. */
    public T defaultValue() {
        return defaultValue;
    }

    /** Whether {@code null} is a valid value. */
    public boolean isNullable() {
        return nullable;
    }

    /** Whether this is a {@link #javaOnly} setting rather than a key of the file. */
    public boolean isJavaOnly() {
        return javaOnly;
    }

    /** Takes this field's value from a file being read: the default when the key is absent. */
    public T read(ConfigFields fields) {
        if (javaOnly) {
            return defaultValue;
        }
        if (!fields.has(key)) {
            fields.raw(key); // absent keys count as used: nothing to warn about
            return defaultValue;
        }
        Object v = fields.raw(key);
        return v == null && nullable ? null : reader.read(fields, key, v);
    }

    /** The value as set on a builder: an unmodifiable copy; fails on {@code null} for a non-nullable field. */
    T accept(T value) {
        if (value == null) {
            if (!nullable) {
                throw new PeftConfigException("key '" + key + "' must not be null");
            }
            return null;
        }
        return copier.apply(value);
    }

    /** Runs the checks on a value (skipped for {@code null}). */
    void validate(Object value) {
        if (value == null) {
            return;
        }
        for (Function<? super T, String> check : checks) {
            String problem = check.apply(cast(value));
            if (problem != null) {
                throw new PeftConfigException("key '" + key + "': " + problem);
            }
        }
    }

    /** Whether the key is written for {@code value}. */
    boolean isWritten(Object value) {
        return !javaOnly && (value != null || !writtenOnlyWhenSet);
    }

    /** The plain-Java value written to JSON. */
    Object write(Object value) {
        return value == null ? null : writer.apply(cast(value));
    }

    /** The value equality and {@link PeftConfig#nonDefaultKeys()} compare. */
    Object comparable(Object value) {
        return comparer == null ? write(value) : value == null ? null : comparer.apply(cast(value));
    }

    @SuppressWarnings("unchecked")
    T cast(Object value) {
        return (T) value;
    }

    @Override
    public String toString() {
        return key;
    }

    /**
     * A value given as one item or as a list; {@link #items()} is the list either way.
     *
     * @param items  the items, unmodifiable
     * @param single whether it was one item (written without brackets)
     */
    public record OneOrList<E>(List<E> items, boolean single) {

        public OneOrList {
            items = Collections.unmodifiableList(new ArrayList<>(items));
            if (single && items.size() != 1) {
                throw new IllegalArgumentException("a single value holds one item, not " + items);
            }
        }

        /** One item, written without brackets; {@code null} for no item. */
        public static <E> OneOrList<E> one(E item) {
            return item == null ? null : new OneOrList<>(Collections.singletonList(item), true);
        }

        /** A list, written as a list; {@code null} for no list. */
        public static <E> OneOrList<E> list(List<E> items) {
            return items == null ? null : new OneOrList<>(items, false);
        }

        /** The items of {@code v}, or {@code null} for no value. */
        public static <E> List<E> itemsOf(OneOrList<E> v) {
            return v == null ? null : v.items();
        }

        /** What PEFT writes: the item, or the list. */
        public Object toJson() {
            return single ? items.get(0) : items;
        }
    }
}
