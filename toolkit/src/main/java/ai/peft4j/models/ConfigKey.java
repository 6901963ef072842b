package ai.peft4j.models;

import ai.peft4j.nn.Activations;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One key of a model's {@code config.json}, declared once: its JSON name, its type, transformers' default and the
 * rule a value must follow. A config class lists its keys in its {@link PretrainedConfig.Schema}; {@link
 * PretrainedConfig} reads and checks them all when the config is built, so a bad value fails at once with a {@link
 * ModelConfigException} naming the key, never later as a shape error.
 *
 * <pre>{@code
 * // in a PretrainedConfig subclass: declared once, listed in its Schema, read through get
 * static final ConfigKey<Integer> FFN_DIM = ConfigKey.size("ffn_dim", 3072);
 * static final ConfigKey<Integer> WORD_EMBED_PROJ_DIM = ConfigKey.size("word_embed_proj_dim", null).defaultsTo(HIDDEN_SIZE);
 * static final ConfigKey<Integer> N_EMBD = ConfigKey.size("n_embd", 768).standsFor(HIDDEN_SIZE);  // GPT-2's name
 *
 * public int ffnDim() { return get(FFN_DIM); }
 * }</pre>
 *
 * <p>A missing key, or one set to JSON {@code null}, reads as the default ({@link #nullable()} keys read {@code null}
 * as {@code null}, as transformers keeps it). Keys are immutable: {@link #defaultsTo}, {@link #nullable()} and {@link
 * #check} return changed copies.
 *
 * @param <T> the Java type of the value
 */
public record ConfigKey<T>(
        String name, String standsFor, T defaultValue, ConfigKey<T> defaultKey, boolean keepsNull, Reader<T> reader) {

    /**
     * The most layers a config may ask for. Published models have fewer than 200; the bound keeps a hostile {@code
     * num_hidden_layers} from building millions of layer objects before any weight is read.
     */
    public static final int MAX_LAYERS = 10_000;

    /** Converts a present, non-null JSON value and checks it, or fails naming the key. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(String name, JsonNode value);
    }

    /**
     * One key: its JSON {@code name}; the standard name it {@code standsFor} (or null); its default, a value or
     * another key's ({@code defaultKey}); whether JSON {@code null} reads as null ({@code keepsNull}) rather than as
     * the default; and the {@code reader} of a present value.
     */
    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reader, "reader");
    }

    private static <T> ConfigKey<T> of(String name, T defaultValue, Reader<T> reader) {
        return new ConfigKey<>(name, null, defaultValue, null, false, reader);
    }

    /** A key whose present values are JSON nodes that pass {@code is} (else: must be {@code expected}). */
    private static <T> ConfigKey<T> typed(
            String name, T defaultValue, Predicate<JsonNode> is, String expected, Function<JsonNode, T> value) {
        return of(name, defaultValue, (k, n) -> {
            if (!is.test(n)) {
                throw wrongType(k, n, expected);
            }
            return value.apply(n);
        });
    }

    // ---------------------------------------------------------------- kinds of key

    /** An integer that fits in an {@code int}, as PyTorch's sizes and ids do here. */
    public static ConfigKey<Integer> int32(String name, Integer defaultValue) {
        return of(name, defaultValue, ConfigKey::toInt);
    }

    /**
     * A size: an integer from 1 to {@code Integer.MAX_VALUE}. Zero or negative sizes make empty or invalid weights, and
     * larger ones overflow the shapes built from them.
     */
    public static ConfigKey<Integer> size(String name, Integer defaultValue) {
        return int32(name, defaultValue).check(v -> v >= 1, v -> "must be a positive integer, found " + v);
    }

    /** A count that may be zero (labels): an integer from 0 to {@code Integer.MAX_VALUE}. */
    public static ConfigKey<Integer> count(String name, int defaultValue) {
        return int32(name, defaultValue).check(v -> v >= 0, v -> "must not be negative, found " + v);
    }

    /**
     * A layer count: from 0 to {@link #MAX_LAYERS}. The bound keeps a hostile count from building millions of layer
     * objects before any weight is read.
     */
    public static ConfigKey<Integer> layers(String name, Integer defaultValue) {
        return int32(name, defaultValue)
                .check(v -> v >= 0, v -> "must not be negative, found " + v)
                .check(
                        v -> v <= MAX_LAYERS,
                        v -> "(" + v + ") is more layers than peft4j builds (" + MAX_LAYERS
                                + "; published models have fewer than 200)");
    }

    /** A layer count of at least one (most architectures check that), at most {@link #MAX_LAYERS}. */
    public static ConfigKey<Integer> layersAtLeastOne(String name, Integer defaultValue) {
        return layers(name, defaultValue).check(v -> v >= 1, v -> "must be a positive integer, found " + v);
    }

    /** A token id; {@code null} in the file means none, as transformers keeps it. */
    public static ConfigKey<Integer> tokenId(String name, Integer defaultValue) {
        return int32(name, defaultValue).nullable();
    }

    /**
     * A token id, or a list of them (Llama 3's {@code eos_token_id}: generation stops at any), read as its first; null
     * for none.
     */
    public static ConfigKey<Integer> firstTokenId(String name, Integer defaultValue) {
        return ConfigKey.<Integer>of(name, defaultValue, (k, n) -> {
                    if (!n.isArray()) {
                        return toInt(k, n);
                    }
                    return n.isEmpty() ? null : toInt(k, n.get(0));
                })
                .nullable();
    }

    /** Any JSON number, as a {@code double}. */
    public static ConfigKey<Double> number(String name, Double defaultValue) {
        return typed(name, defaultValue, JsonNode::isNumber, "a number", JsonNode::doubleValue);
    }

    /** A number above zero (NaN fails), such as a norm's epsilon. */
    public static ConfigKey<Double> positive(String name, double defaultValue) {
        return number(name, defaultValue).check(v -> v > 0, v -> "must be positive, found " + v);
    }

    /** A dropout probability, in {@code [0, 1]}. */
    public static ConfigKey<Double> probability(String name, Double defaultValue) {
        return number(name, defaultValue)
                .check(v -> v >= 0 && v <= 1, v -> "is a dropout probability and must lie in [0, 1], found " + v);
    }

    /** {@code true} or {@code false}. */
    public static ConfigKey<Boolean> flag(String name, boolean defaultValue) {
        return typed(name, defaultValue, JsonNode::isBoolean, "true or false", JsonNode::booleanValue);
    }

    /** A string. */
    public static ConfigKey<String> string(String name, String defaultValue) {
        return typed(name, defaultValue, JsonNode::isTextual, "a string", JsonNode::textValue);
    }

    /** An activation of transformers' {@code ACT2FN} that peft4j implements ({@link Activations#NAMES}). */
    public static ConfigKey<String> activation(String name, String defaultValue) {
        return string(name, defaultValue)
                .check(
                        Activations.NAMES::contains,
                        a -> "is '" + a + "', which peft4j does not support; use one of " + Activations.NAMES);
    }

    /** A JSON object, kept as it is; {@code null} by default. */
    public static ConfigKey<JsonNode> object(String name) {
        return typed(name, (JsonNode) null, JsonNode::isObject, "an object", n -> n)
                .nullable();
    }

    // ---------------------------------------------------------------- changed copies

    /** This key with another default: the same key in a family whose config class defaults it otherwise. */
    public ConfigKey<T> defaultsTo(T value) {
        return new ConfigKey<>(name, standsFor, value, null, keepsNull, reader);
    }

    /** This key defaulting to {@code other}'s value, which the schema lists before it. */
    public ConfigKey<T> defaultsTo(ConfigKey<T> other) {
        return new ConfigKey<>(name, standsFor, null, other, keepsNull, reader);
    }

    /** This key, reading JSON {@code null} as {@code null} rather than as the default. */
    public ConfigKey<T> nullable() {
        return new ConfigKey<>(name, standsFor, defaultValue, defaultKey, true, reader);
    }

    /**
     * This key as the architecture's spelling of a standard one, as transformers' {@code attribute_map} has it (GPT-2's
     * {@code n_embd} is {@code hidden_size}): {@link PretrainedConfig}'s accessor of {@code standard} reads this key.
     */
    public ConfigKey<T> standsFor(ConfigKey<T> standard) {
        return new ConfigKey<>(name, standard.name, defaultValue, defaultKey, keepsNull, reader);
    }

    /**
     * This key with one more rule, checked after the others: a value from the file that fails {@code ok} is refused
     * with {@code config field '<name>' <what>}. Defaults are transformers' and are not checked; {@code null} never is.
     */
    public ConfigKey<T> check(Predicate<T> ok, Function<T, String> what) {
        Reader<T> before = reader;
        return new ConfigKey<>(name, standsFor, defaultValue, defaultKey, keepsNull, (k, n) -> {
            T v = before.read(k, n);
            if (!ok.test(v)) {
                throw invalid(k, what.apply(v));
            }
            return v;
        });
    }

    // ---------------------------------------------------------------- reading

    /** The standard name this key stands for ({@link #standsFor}), or its own name. */
    public String standardName() {
        return standsFor != null ? standsFor : name;
    }

    /**
     * Reads and checks this key of {@code json}; {@code earlier} gives the values of the keys read before it, for a
     * default that is another key's value.
     */
    T read(JsonNode json, Function<ConfigKey<T>, T> earlier) {
        JsonNode n = json.get(name);
        if (n != null && !n.isNull()) {
            return reader.read(name, n);
        }
        if (n != null && keepsNull) {
            return null;
        }
        return defaultKey != null ? earlier.apply(defaultKey) : defaultValue;
    }

    /** An error about key {@code name}: {@code config field 'name' <what>}. */
    static ModelConfigException invalid(String name, String what) {
        return new ModelConfigException(name, "config field '" + name + "' " + what);
    }

    private static ModelConfigException wrongType(String name, JsonNode n, String expected) {
        return invalid(name, "must be " + expected + ", found " + n);
    }

    private static Integer toInt(String name, JsonNode n) {
        if (!n.isIntegralNumber()) {
            throw wrongType(name, n, "an integer");
        }
        if (!n.canConvertToLong()) {
            throw wrongType(name, n, "an integer that fits in 64 bits");
        }
        long v = n.longValue();
        if (v != (int) v) {
            throw invalid(name, "must fit in 32 bits (at most " + Integer.MAX_VALUE + "), found " + v);
        }
        return (int) v;
    }

    @Override
    public String toString() {
        return name;
    }
}
