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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The typed view of a Hugging Face {@code config.json}. Each subclass declares its keys once, as {@link ConfigKey}s
 * with transformers' names, types, defaults and rules, in its {@link Schema}; this class reads and checks them all
 * when the config is built. Every field of the file, known or not, is kept and written back unchanged, so a config
 * saved by peft4j loses nothing that transformers or another tool put there.
 */
public abstract class PretrainedConfig {

    /** File name of a model configuration in a checkpoint directory. */
    public static final String CONFIG_NAME = "config.json";

    /** {@code model_type}, e.g. {@code "opt"}; the class's schema says which ones it accepts. */
    public static final ConfigKey<String> MODEL_TYPE = ConfigKey.string("model_type", null);

    /** {@code tie_word_embeddings}: transformers' default is true; a family may default it otherwise. */
    public static final ConfigKey<Boolean> TIE_WORD_EMBEDDINGS = ConfigKey.flag("tie_word_embeddings", true);

    /** {@code initializer_range}: the standard deviation of the weight init, as most architectures name it. */
    public static final ConfigKey<Double> INITIALIZER_RANGE = ConfigKey.number("initializer_range", 0.02);

    // The keys every architecture here has, under these names or its own ({@link ConfigKey#standsFor}); each config
    // class lists them with its defaults.

    /** {@code vocab_size}. */
    public static final ConfigKey<Integer> VOCAB_SIZE = ConfigKey.size("vocab_size", null);

    /** {@code hidden_size} (GPT-2's {@code n_embd}, T5's {@code d_model}). */
    public static final ConfigKey<Integer> HIDDEN_SIZE = ConfigKey.size("hidden_size", null);

    /** {@code num_hidden_layers} (GPT-2's and Bloom's {@code n_layer}, T5's {@code num_layers}). */
    public static final ConfigKey<Integer> NUM_HIDDEN_LAYERS = ConfigKey.layersAtLeastOne("num_hidden_layers", null);

    /** {@code num_attention_heads} (GPT-2's and Bloom's {@code n_head}, T5's {@code num_heads}). */
    public static final ConfigKey<Integer> NUM_ATTENTION_HEADS = ConfigKey.size("num_attention_heads", null);

    // transformers' PretrainedConfig has these token ids, None unless the architecture's class says otherwise.

    /** {@code pad_token_id}: the padding row of the embedding, or null for none. */
    public static final ConfigKey<Integer> PAD_TOKEN_ID = ConfigKey.tokenId("pad_token_id", null);

    /** {@code bos_token_id}, or null. */
    public static final ConfigKey<Integer> BOS_TOKEN_ID = ConfigKey.tokenId("bos_token_id", null);

    /** {@code eos_token_id}, the first of a list, or null. */
    public static final ConfigKey<Integer> EOS_TOKEN_ID = ConfigKey.firstTokenId("eos_token_id", null);

    private static final ConfigKey<JsonNode> ID2LABEL = ConfigKey.object("id2label");
    private static final ConfigKey<Integer> NUM_LABELS = ConfigKey.count("num_labels", 2);
    private static final List<String> PROBLEM_TYPES =
            List.of("regression", "single_label_classification", "multi_label_classification");
    private static final ConfigKey<String> PROBLEM_TYPE = ConfigKey.string("problem_type", null)
            .check(
                    PROBLEM_TYPES::contains,
                    t -> "must be one of " + String.join(", ", PROBLEM_TYPES) + " or null, found '" + t + "'");

    /** The most layers a config may ask for: {@link ConfigKey#MAX_LAYERS}. */
    public static final int MAX_LAYERS = ConfigKey.MAX_LAYERS;

    /**
     * What a config class reads, declared once: the {@code model_type} it accepts, its name in messages, the
     * architecture its builder writes, the published configurations shipped for it (under {@code
     * /ai/peft4j/models/<model_type>/}) and its keys in reading order (a key may default to one listed before it).
     */
    protected record Schema(
            String modelType, String name, String architecture, List<String> shipped, List<ConfigKey<?>> keys) {

        public Schema {
            shipped = List.copyOf(shipped);
            keys = List.copyOf(keys);
        }

        /** A schema with {@code keys}; {@code shipped} lists the model ids of the shipped configurations. */
        public static Schema of(
                String modelType, String name, String architecture, List<String> shipped, ConfigKey<?>... keys) {
            return new Schema(modelType, name, architecture, shipped, List.of(keys));
        }

        /**
         * This schema with {@code more} keys: one named like a key already here takes its place (a family that
         * defaults or checks it otherwise), the others are read after.
         */
        public Schema with(ConfigKey<?>... more) {
            List<ConfigKey<?>> all = new ArrayList<>(keys);
            for (ConfigKey<?> k : more) {
                int at = names().indexOf(k.standardName());
                if (at >= 0) {
                    all.set(at, k);
                } else {
                    all.add(k);
                }
            }
            return new Schema(modelType, name, architecture, shipped, all);
        }

        /** The same keys for another {@code model_type} (transformers' MT5Config is T5Config's). */
        public Schema forModelType(String otherType, String otherArchitecture) {
            return new Schema(otherType, name, otherArchitecture, shipped, keys);
        }

        private List<String> names() {
            return keys.stream().map(ConfigKey::standardName).toList();
        }

        /** This schema's key for {@code key}: the same name, or one that stands for it; null if none. */
        @SuppressWarnings("unchecked")
        <T> ConfigKey<T> key(ConfigKey<T> standard) {
            int at = names().indexOf(standard.standardName());
            return at < 0 ? null : (ConfigKey<T>) keys.get(at);
        }

        /**
         * A published configuration shipped with peft4j as a resource; like {@code from_pretrained}, the id becomes
         * {@code _name_or_path}.
         */
        public ObjectNode shippedJson(String modelId) {
            return PretrainedConfig.shipped(modelType, modelId, String.join(", ", shipped));
        }

        /** A builder for this schema's model type and architecture, starting from transformers' defaults. */
        public <C extends PretrainedConfig> Builder<C> builder(Function<ObjectNode, C> make) {
            return new Builder<>(modelType, architecture, make);
        }
    }

    private final ObjectNode json;
    private final Schema schema;
    private final Map<String, Object> values = new HashMap<>();

    /**
     * Reads and checks every key of {@code schema} in {@code json}.
     *
     * @throws ModelConfigException naming the key, when {@code model_type} is another architecture's or a value is
     *     of the wrong type or breaks its rule
     */
    protected PretrainedConfig(ObjectNode json, Schema schema) {
        this.json = json.deepCopy();
        this.schema = schema;
        String type = modelType();
        if (type != null && !type.equals(schema.modelType())) {
            throw new ModelConfigException(
                    "model_type",
                    "not a " + schema.name() + " config: model_type is '" + type + "', expected '" + schema.modelType()
                            + "'");
        }
        for (ConfigKey<?> key : schema.keys()) {
            values.put(key.standardName(), readKey(key));
        }
        numLabels(); // transformers checks these two in every config class
        problemType();
    }

    private <T> T readKey(ConfigKey<T> key) {
        return key.read(json, earlier -> get(earlier));
    }

    /**
     * The value of {@code key}: as the schema declares it when it lists that key or one standing for it, else read as
     * {@code key} declares it.
     */
    @SuppressWarnings("unchecked")
    protected final <T> T get(ConfigKey<T> key) {
        return values.containsKey(key.standardName()) ? (T) values.get(key.standardName()) : readKey(key);
    }

    /** Whether this config's schema lists a key named like {@code key}. */
    protected final boolean declares(ConfigKey<?> key) {
        return values.containsKey(key.standardName());
    }

    /** The {@code model_type} field, e.g. {@code "opt"}. */
    public String modelType() {
        return get(MODEL_TYPE);
    }

    /** Whether the output embedding shares the input embedding's weight (transformers' default true). */
    public boolean tieWordEmbeddings() {
        return get(TIE_WORD_EMBEDDINGS);
    }

    /**
     * The number of labels of a classification head, as transformers derives it: the size of
     * {@code id2label} when present, else {@code num_labels}, else 2.
     */
    public int numLabels() {
        JsonNode id2label = get(ID2LABEL);
        return id2label != null ? id2label.size() : get(NUM_LABELS);
    }

    /**
     * transformers' {@code problem_type}: {@code "regression"}, {@code
     * "single_label_classification"}, {@code "multi_label_classification"}, or null (then chosen
     * from the number of labels and the labels' type).
     */
    public String problemType() {
        return get(PROBLEM_TYPE);
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

    /** An error about field {@code key}: {@code config field 'key' <what>}. */
    protected static ModelConfigException invalid(String key, String what) {
        return ConfigKey.invalid(key, what);
    }

    /**
     * Checks that the value of {@code dividend} is a multiple of {@code divisor}'s, both sizes ({@link
     * ConfigKey#size}); the error names the keys as this architecture spells them.
     */
    protected final void requireDivisible(ConfigKey<Integer> dividend, ConfigKey<Integer> divisor) {
        int a = get(dividend);
        int b = get(divisor);
        if (a % b != 0) {
            throw invalid(nameOf(dividend), "(" + a + ") must be divisible by " + nameOf(divisor) + " (" + b + ")");
        }
    }

    /** The name under which this architecture's config.json holds {@code key} (GPT-2: {@code n_embd} for hidden_size). */
    protected final String nameOf(ConfigKey<?> key) {
        ConfigKey<?> own = schema.key(key);
        return own != null ? own.name() : key.name();
    }

    /** The vocabulary size: the rows of the input embedding. */
    public int vocabSize() {
        return get(VOCAB_SIZE);
    }

    /** The width of the hidden states ({@code hidden_size} or the architecture's name for it). */
    public int hiddenSize() {
        return get(HIDDEN_SIZE);
    }

    /** The number of layers (blocks); for an encoder-decoder, the encoder's. */
    public int numHiddenLayers() {
        return get(NUM_HIDDEN_LAYERS);
    }

    /** The number of attention heads of each layer. */
    public int numAttentionHeads() {
        return get(NUM_ATTENTION_HEADS);
    }

    /** {@code pad_token_id}, with the architecture's default; null for none. */
    public Integer padTokenId() {
        return get(PAD_TOKEN_ID);
    }

    /** {@code bos_token_id}, with the architecture's default; null for none. */
    public Integer bosTokenId() {
        return get(BOS_TOKEN_ID);
    }

    /** {@code eos_token_id} (the first of a list), with the architecture's default; null for none. */
    public Integer eosTokenId() {
        return get(EOS_TOKEN_ID);
    }

    /**
     * Checks that {@code pad_token_id}, the embedding's {@code padding_idx}, is a row of it: from {@code -vocab_size}
     * to {@code vocab_size - 1}, as PyTorch's {@code nn.Embedding} asserts (negative ids count from the end). No
     * padding row (null) passes.
     */
    protected final void requirePaddingRow() {
        Integer id = padTokenId();
        int rows = vocabSize();
        if (id != null && (id < -rows || id >= rows)) {
            throw invalid(
                    nameOf(PAD_TOKEN_ID),
                    "(" + id + ") is the padding row of the embedding, so it must be below vocab_size (" + rows
                            + ") and at least -vocab_size");
        }
    }

    /**
     * The standard deviation of the weight init: {@code initializer_range}, default 0.02, as most architectures call
     * it; one that names it otherwise (OPT's {@code init_std}) overrides this.
     */
    public double initializerRange() {
        return get(INITIALIZER_RANGE);
    }

    /** {@code eos_token_id}'s default in the architecture's config class, for a config.json without it; null if none. */
    public Integer defaultEosTokenId() {
        return schemaDefault(EOS_TOKEN_ID);
    }

    /** {@code pad_token_id}'s default in the architecture's config class, for a config.json without it; null if none. */
    public Integer defaultPadTokenId() {
        return schemaDefault(PAD_TOKEN_ID);
    }

    private Integer schemaDefault(ConfigKey<Integer> key) {
        ConfigKey<Integer> own = schema.key(key);
        return own != null ? own.defaultValue() : null;
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

        /**
         * Sets a field to a number, boolean, string, null, or a list or map of them, e.g. {@code set("hidden_size",
         * 16)} or {@code set("pad_token_id", null)}.
         */
        public Builder<C> set(String key, Object value) {
            json.set(key, PythonJson.MAPPER.valueToTree(value));
            return this;
        }

        public C build() {
            return make.apply(json);
        }
    }
}
