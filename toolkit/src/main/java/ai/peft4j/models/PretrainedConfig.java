package ai.peft4j.models;

import ai.peft4j.io.LocalFiles;
import ai.peft4j.io.json.PythonJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The typed view of a Hugging Face {@code config.json}. Subclasses read their fields with
 * transformers' defaults; every field of the file, known or not, is kept and written back
 * unchanged, so a config saved by peft4j loses nothing that transformers or another tool put
 * there.
 */
public abstract class PretrainedConfig {

    /** File name of a model configuration in a checkpoint directory. */
    public static final String CONFIG_NAME = "config.json";

    private final ObjectNode json;

    protected PretrainedConfig(ObjectNode json) {
        this.json = json.deepCopy();
    }

    /** The {@code model_type} field, e.g. {@code "opt"}. */
    public String modelType() {
        return string("model_type", null);
    }

    /** Whether the output embedding shares the input embedding's weight (default true). */
    public boolean tieWordEmbeddings() {
        return bool("tie_word_embeddings", true);
    }

    /**
     * The number of labels of a classification head, as transformers derives it: the size of
     * {@code id2label} when present, else {@code num_labels}, else 2.
     */
    public int numLabels() {
        JsonNode id2label = json.get("id2label");
        if (id2label != null && !id2label.isNull()) {
            if (!id2label.isObject()) {
                throw wrongType("id2label", id2label, "an object mapping ids to labels");
            }
            return id2label.size();
        }
        return nonNegative("num_labels", 2);
    }

    /**
     * transformers' {@code problem_type}: {@code "regression"}, {@code
     * "single_label_classification"}, {@code "multi_label_classification"}, or null (then chosen
     * from the number of labels and the labels' type).
     */
    public String problemType() {
        String type = string("problem_type", null);
        if (type != null
                && !type.equals("regression")
                && !type.equals("single_label_classification")
                && !type.equals("multi_label_classification")) {
            throw new ModelConfigException(
                    "problem_type",
                    "config field 'problem_type' must be one of regression, single_label_classification,"
                            + " multi_label_classification or null, found '" + type + "'");
        }
        return type;
    }

    /** A copy of every field, as it will be saved. */
    public ObjectNode toJsonNode() {
        return json.deepCopy();
    }

    /** The file text transformers writes: sorted keys, two-space indent, a final newline. */
    public String toJsonString() {
        return PythonJson.dumps(json) + "\n";
    }

    /** Writes {@code dir/config.json} atomically. */
    public void save(Path dir) {
        PythonJson.writeAtomically(dir.resolve(CONFIG_NAME), toJsonString());
    }

    /**
     * A published configuration shipped with peft4j as a resource under {@code
     * /ai/peft4j/models/<family>/}; like {@code from_pretrained}, the id becomes {@code _name_or_path}.
     */
    protected static ObjectNode shipped(String family, String modelId, String available) {
        String resource = "/ai/peft4j/models/" + family + "/" + modelId.replace("/", "--") + ".json";
        try (InputStream in = PretrainedConfig.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException(
                        "no shipped configuration for '" + modelId + "'; shipped: " + available);
            }
            ObjectNode json =
                    (ObjectNode) PythonJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
            json.put("_name_or_path", modelId);
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The shipped configuration of {@code modelId} in any architecture family, if there is one. */
    public static java.util.Optional<ObjectNode> shippedAny(String modelId) {
        for (String family : java.util.List.of(
                "opt", "roberta", "llama", "gpt2", "bloom", "bert", "qwen2", "mistral", "gemma", "t5")) {
            try {
                return java.util.Optional.of(shipped(family, modelId, ""));
            } catch (IllegalArgumentException e) {
                // not in this family
            }
        }
        return java.util.Optional.empty();
    }

    /** The {@code model_type} of a parsed {@code config.json}; an error when it is missing. */
    public static String modelTypeOf(ObjectNode json) {
        JsonNode type = json.get("model_type");
        if (type == null || !type.isTextual() || type.textValue().isEmpty()) {
            throw new ModelConfigException(
                    "model_type",
                    "config.json has no model_type string"
                            + (type == null ? "" : " (found " + type + ")")
                            + "; peft4j needs it to pick the architecture");
        }
        return type.textValue();
    }

    /**
     * Reads {@code dir/config.json} (or a file path) into a JSON object.
     *
     * @throws ModelConfigException when the file is missing, not a regular file (a FIFO is never
     *     opened), not UTF-8, or not a JSON object
     */
    public static ObjectNode readJson(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(CONFIG_NAME) : dirOrFile;
        if (!Files.exists(file)) {
            throw new ModelConfigException(
                    null,
                    "no " + CONFIG_NAME + " in " + dirOrFile.toAbsolutePath()
                            + ": point to a Hugging Face model directory (config.json + *.safetensors)");
        }
        String text;
        try {
            text = LocalFiles.readUtf8(file, LocalFiles.MAX_JSON_BYTES);
        } catch (CharacterCodingException e) {
            throw new ModelConfigException(
                    null,
                    file + " is not UTF-8 text (" + e + ");"
                            + " transformers writes config.json as UTF-8 JSON: re-save it as UTF-8",
                    e);
        } catch (LocalFiles.NotRegularFileException | LocalFiles.FileTooLargeException e) {
            throw new ModelConfigException(null, file + " " + e.getReason(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        JsonNode node;
        try {
            node = PythonJson.parse(text, file.toString());
        } catch (IllegalArgumentException e) {
            throw new ModelConfigException(null, e.getMessage(), e.getCause());
        }
        if (node == null || !node.isObject()) {
            throw new ModelConfigException(
                    null, file + " must hold a JSON object, found " + (node == null ? "nothing" : node.getNodeType()));
        }
        return (ObjectNode) node;
    }

    // --- typed field access with defaults; a wrong type is a clear error ---

    protected final long integer(String key, long def) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isIntegralNumber()) {
            throw wrongType(key, n, "an integer");
        }
        if (!n.canConvertToLong()) {
            throw wrongType(key, n, "an integer that fits in 64 bits");
        }
        return n.longValue();
    }

    /** An integer field that fits in an {@code int}, as PyTorch's sizes and ids do here. */
    protected final int int32(String key, int def) {
        return toInt(key, integer(key, def));
    }

    /**
     * A size: an integer from 1 to {@code Integer.MAX_VALUE}. Zero or negative sizes make empty or
     * invalid weights, and larger ones overflow the shapes built from them.
     */
    protected final int positive(String key, int def) {
        long v = integer(key, def);
        if (v < 1) {
            throw invalid(key, "must be a positive integer, found " + v);
        }
        return toInt(key, v);
    }

    /**
     * The most layers a config may ask for. Published models have fewer than 200; the bound keeps a
     * hostile {@code num_hidden_layers} from building millions of layer objects before any weight is
     * read.
     */
    public static final int MAX_LAYERS = 10_000;

    /** A layer count: from 0 to {@link #MAX_LAYERS}. */
    protected final int layers(String key, int def) {
        int n = nonNegative(key, def);
        if (n > MAX_LAYERS) {
            throw invalid(
                    key,
                    "(" + n + ") is more layers than peft4j builds (" + MAX_LAYERS
                            + "; published models have fewer than 200)");
        }
        return n;
    }

    /** A count that may be zero (labels): an integer from 0 to {@code Integer.MAX_VALUE}. */
    protected final int nonNegative(String key, int def) {
        long v = integer(key, def);
        if (v < 0) {
            throw invalid(key, "must not be negative, found " + v);
        }
        return toInt(key, v);
    }

    private int toInt(String key, long v) {
        if (v != (int) v) {
            throw invalid(key, "must fit in 32 bits (at most " + Integer.MAX_VALUE + "), found " + v);
        }
        return (int) v;
    }

    /** An error about field {@code key}: {@code config field 'key' <what>}. */
    protected final ModelConfigException invalid(String key, String what) {
        return new ModelConfigException(key, "config field '" + key + "' " + what);
    }

    /**
     * Checks that {@code dividend} (field {@code dividendKey}) is a multiple of {@code divisor}
     * (field {@code divisorKey}); both are positive, from {@link #positive}.
     */
    protected final void requireDivisible(String dividendKey, int dividend, String divisorKey, int divisor) {
        if (divisor < 1) {
            throw invalid(divisorKey, "must be a positive integer, found " + divisor);
        }
        if (dividend % divisor != 0) {
            throw invalid(dividendKey, "(" + dividend + ") must be divisible by " + divisorKey + " (" + divisor + ")");
        }
    }

    /**
     * Checks that a token id used as an embedding's {@code padding_idx} is a row of it: from
     * {@code -rows} to {@code rows - 1}, as PyTorch's {@code nn.Embedding} asserts (negative ids count
     * from the end).
     */
    protected final void requirePaddingRow(String key, long id, String rowsKey, long rows) {
        if (id < -rows || id >= rows) {
            throw invalid(
                    key,
                    "(" + id + ") is the padding row of the embedding, so it must be below " + rowsKey + " (" + rows
                            + ") and at least -" + rowsKey);
        }
    }

    /** An integer field that may be null (returns null then). */
    protected final Long optInteger(String key) {
        JsonNode n = json.get(key);
        return n == null || n.isNull() ? null : integer(key, 0);
    }

    protected final double number(String key, double def) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isNumber()) {
            throw wrongType(key, n, "a number");
        }
        return n.doubleValue();
    }

    protected final boolean bool(String key, boolean def) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isBoolean()) {
            throw wrongType(key, n, "true or false");
        }
        return n.booleanValue();
    }

    protected final String string(String key, String def) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isTextual()) {
            throw wrongType(key, n, "a string");
        }
        return n.textValue();
    }

    /**
     * The standard deviation of the weight init: {@code initializer_range}, default 0.02, as most architectures call
     * it; one that names it otherwise (OPT's {@code init_std}) overrides this.
     */
    public double initializerRange() {
        return number("initializer_range", 0.02);
    }

    /** {@code eos_token_id}'s default in the architecture's config class, for a config.json without it; null here. */
    public Integer defaultEosTokenId() {
        return null;
    }

    /** {@code pad_token_id}'s default in the architecture's config class, for a config.json without it; null here. */
    public Integer defaultPadTokenId() {
        return null;
    }

    // --- checks the architectures share; each names the field and the rule it breaks ---

    /** Fails unless {@code value >= 1}. */
    protected static void requirePositive(String key, int value) {
        if (value < 1) {
            throw new ModelConfigException(
                    key, "config field '" + key + "' must be a positive integer, found " + value);
        }
    }

    /** Fails unless {@code value > 0} (NaN fails too). */
    protected static void requirePositive(String key, double value) {
        if (!(value > 0)) {
            throw new ModelConfigException(key, "config field '" + key + "' must be positive, found " + value);
        }
    }

    /** Fails unless {@code p} is a dropout probability in {@code [0, 1]}. */
    protected static void requireProbability(String key, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new ModelConfigException(
                    key, "config field '" + key + "' is a dropout probability and must lie in " + "[0, 1], found " + p);
        }
    }

    private ModelConfigException wrongType(String key, JsonNode n, String expected) {
        return invalid(key, "must be " + expected + ", found " + n.toString());
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + " " + toJsonString();
    }

    /**
     * Builds a config field by field, with the JSON names, starting from transformers' defaults:
     * {@code OptConfig.builder().set("hidden_size", 16).build()}.
     */
    public static final class Builder<C extends PretrainedConfig> {
        private final ObjectNode json = PythonJson.MAPPER.createObjectNode();
        private final Function<ObjectNode, C> make;

        /** For config classes: {@code make} reads the finished JSON. */
        public Builder(String modelType, String architecture, Function<ObjectNode, C> make) {
            this.make = make;
            json.put("model_type", modelType);
            json.putArray("architectures").add(architecture);
        }

        /** Sets an integer field, e.g. {@code set("hidden_size", 16)}. */
        public Builder<C> set(String key, long value) {
            json.put(key, value);
            return this;
        }

        /** Sets a floating-point field, e.g. {@code set("dropout", 0.0)}. */
        public Builder<C> set(String key, double value) {
            json.put(key, value);
            return this;
        }

        /** Sets a boolean field. */
        public Builder<C> set(String key, boolean value) {
            json.put(key, value);
            return this;
        }

        /** Sets a string field. */
        public Builder<C> set(String key, String value) {
            json.put(key, value);
            return this;
        }

        public C build() {
            return make.apply(json);
        }
    }
}
