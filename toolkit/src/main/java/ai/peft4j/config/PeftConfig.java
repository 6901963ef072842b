package ai.peft4j.config;

import ai.peft4j.io.AtomicFolder;
import ai.peft4j.io.hub.CommitInfo;
import ai.peft4j.io.hub.HubClient;
import ai.peft4j.io.json.PythonJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The settings of one adapter, as stored in {@code adapter_config.json}. Immutable; subclasses hold the
 * method-specific fields (for example {@link ai.peft4j.tuners.lora.LoraConfig}).
 *
 * <p>Every field is declared once, as a {@link ConfigField} constant (its JSON key, type, PEFT's default and its
 * checks), and listed in the class's {@link ConfigSchema}. From these declarations this class reads and writes the
 * JSON, compares configs, prints them and builds them; a subclass adds typed one-line accessors and builder
 * methods, its cross-field rules in {@link #validate()}, and implements {@link Buildable} with its builder for a
 * typed {@code toBuilder()}. A field kept only so that a file survives a round trip needs no accessor: {@link #get}
 * and {@link Builder#set} reach every field.
 *
 * <p>Reading dispatches on {@code "peft_type"} through {@link PeftConfigRegistry}. Keys peft4j does not know
 * (written by a newer PEFT) are dropped and named in one warning; missing or ill-typed keys fail with a
 * {@link PeftConfigException}. Writing produces the exact bytes PEFT writes.
 *
 * <pre>{@code
 * PeftConfig config = PeftConfig.fromPretrained(Path.of("opt-350m-lora"));
 * config.peftType();                                  // LORA
 * LoraConfig lora = (LoraConfig) config;
 * lora.withInferenceMode(false).savePretrained(Path.of("out"));
 * LoraConfig bigger = lora.with(LoraConfig.R, 16);    // any field, by its constant
 * }</pre>
 */
public abstract class PeftConfig {

    /** The file name PEFT uses for an adapter's config. */
    public static final String CONFIG_NAME = "adapter_config.json";

    /** {@code task_type}: the model head, or {@code null} when not set. */
    public static final ConfigField<TaskType> TASK_TYPE = ConfigField.of(
            "task_type",
            null,
            true,
            (f, k, v) -> ConfigField.lookup(
                    k,
                    v,
                    TaskType.values(),
                    TaskType::jsonValue,
                    "null or one of "
                            + Arrays.stream(TaskType.values()).map(Enum::name).collect(Collectors.joining(", "))),
            TaskType::jsonValue);

    /** {@code base_model_name_or_path}: the base model's name or path, or {@code null}. */
    public static final ConfigField<String> BASE_MODEL_NAME_OR_PATH =
            ConfigField.string("base_model_name_or_path", null);

    /** {@code revision}: the base model's revision, or {@code null}. */
    public static final ConfigField<String> REVISION = ConfigField.string("revision", null);

    /** {@code inference_mode}: whether the adapter is frozen for inference; PEFT saves adapters with {@code true}. */
    public static final ConfigField<Boolean> INFERENCE_MODE = ConfigField.bool("inference_mode", false);

    /**
     * {@code auto_mapping}: PEFT's base model class hints for custom models, or {@code null}. Kept only so that a
     * file read and written again is unchanged.
     */
    public static final ConfigField<Map<String, Object>> AUTO_MAPPING = ConfigField.object("auto_mapping");

    /** The fields every config has, in the order they are read; a subclass's schema starts with them. */
    public static final List<ConfigField<?>> FIELDS =
            List.of(TASK_TYPE, BASE_MODEL_NAME_OR_PATH, REVISION, INFERENCE_MODE, AUTO_MAPPING);

    private final ConfigSchema<?> schema;
    private final Map<ConfigField<?>, Object> values;

    /**
     * Takes the values of every field of {@code schema}, as {@link Builder#build()} hands them over after checking
     * each one; {@link #validate()} runs once the subclass's constructor is done.
     */
    protected PeftConfig(ConfigSchema<?> schema, Map<ConfigField<?>, Object> values) {
        if (schema.type() != getClass()) {
            throw new IllegalArgumentException(getClass().getName() + " was given the schema of " + schema.type());
        }
        this.schema = schema;
        Map<ConfigField<?>, Object> copy = new LinkedHashMap<>();
        for (ConfigField<?> f : schema.fields()) {
            copy.put(f, values.get(f));
        }
        this.values = Collections.unmodifiableMap(copy);
    }

    /**
     * Checks that involve several fields (PEFT's {@code __post_init__}); each field's own checks have passed
     * already. Throws a {@link PeftConfigException} naming the keys.
     */
    protected void validate() {}

    // ---------------------------------------------------------------- accessors

    /** The value of {@code field}, for example {@code config.get(LoraConfig.R)}. */
    public final <T> T get(ConfigField<T> field) {
        if (!values.containsKey(field)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no field '" + field.key() + "'");
        }
        return field.cast(values.get(field));
    }

    /** The fields of this config and how they are read and written. */
    public ConfigSchema<?> schema() {
        return schema;
    }

    /** The adapter method ({@code peft_type}). */
    public PeftType peftType() {
        return schema.peftType();
    }

    /** The model head ({@code task_type}), or {@code null} when not set. */
    public TaskType taskType() {
        return get(TASK_TYPE);
    }

    /** The base model's name or path ({@code base_model_name_or_path}), or {@code null}. */
    public String baseModelNameOrPath() {
        return get(BASE_MODEL_NAME_OR_PATH);
    }

    /** The base model's revision ({@code revision}), or {@code null}. */
    public String revision() {
        return get(REVISION);
    }

    /** Whether the adapter is frozen for inference ({@code inference_mode}); PEFT saves adapters with {@code true}. */
    public boolean inferenceMode() {
        return get(INFERENCE_MODE);
    }

    /** PEFT's {@code auto_mapping}, or {@code null}; see {@link #AUTO_MAPPING}. */
    public Map<String, Object> autoMapping() {
        return get(AUTO_MAPPING);
    }

    /** Whether this method learns virtual tokens rather than changing layers. */
    public boolean isPromptLearning() {
        return peftType().isPromptLearning();
    }

    // ---------------------------------------------------------------- copies

    /**
     * A builder of this config's own class holding its values, typed as the generic builder (for code that works on
     * any config, such as {@link #with}); a config class's {@code toBuilder()} ({@link Buildable}) gives it typed.
     */
    protected final Builder<?, ? extends PeftConfig> asBuilder() {
        return asBuilder(schema);
    }

    private <C extends PeftConfig> Builder<?, C> asBuilder(ConfigSchema<C> schema) {
        Builder<?, C> b = schema.builder();
        b.values.putAll(values);
        return b;
    }

    /**
     * A copy with one field changed, checked as {@link Builder#build()} checks; the result has this config's class
     * ({@code LoraConfig c = lora.with(LoraConfig.R, 16)}).
     */
    @SuppressWarnings("unchecked")
    public <T, C extends PeftConfig> C with(ConfigField<T> field, T value) {
        return (C) asBuilder().set(field, value).build();
    }

    /** A copy with {@code inference_mode} changed; the result has this config's class. */
    public <C extends PeftConfig> C withInferenceMode(boolean inferenceMode) {
        return with(INFERENCE_MODE, inferenceMode);
    }

    /** A copy with {@code base_model_name_or_path} changed; the result has this config's class. */
    public <C extends PeftConfig> C withBaseModelNameOrPath(String baseModelNameOrPath) {
        return with(BASE_MODEL_NAME_OR_PATH, baseModelNameOrPath);
    }

    // ---------------------------------------------------------------- writing

    /**
     * Every key PEFT writes for this config, sorted, with plain-Java values ({@link Map}, {@link List},
     * {@link String}, {@link Integer}, {@link Double}, {@link Boolean}, {@code null}).
     */
    public final Map<String, Object> toMap() {
        Map<String, Object> out = new TreeMap<>();
        out.put("peft_type", peftType().jsonValue());
        values.forEach((f, v) -> {
            if (f.isWritten(v)) {
                out.put(f.key(), f.write(v));
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /** The text PEFT writes to {@code adapter_config.json}: {@code json.dumps(d, indent=2, sort_keys=True)}. */
    public String toJson() {
        return PythonJson.dumps(PythonJson.MAPPER.valueToTree(toMap()));
    }

    /**
     * Writes {@code dir/adapter_config.json}, creating {@code dir} if needed. The file is written next to its
     * target and moved into place ({@link AtomicFolder}), so a reader never sees half a file.
     *
     * <p>Like PEFT's config saver this writes the fields as they are; saving a whole adapter (as PEFT's
     * {@code PeftModel.save_pretrained} does) should use {@code withInferenceMode(true)} first.
     */
    public void savePretrained(Path dir) {
        if (Files.isRegularFile(dir)) {
            throw new PeftConfigException(
                    "cannot save the adapter config to " + dir + ": it is a file, not a directory");
        }
        try {
            AtomicFolder.save(dir, staging -> Files.writeString(staging.resolve(CONFIG_NAME), toJson()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(CONFIG_NAME), e);
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads a config of any registered type from the text of an {@code adapter_config.json}. Unknown keys are
     * named in one warning.
     *
     * @throws PeftConfigException when {@code peft_type} is missing, unknown or not supported, or a key is invalid
     */
    public static PeftConfig fromJson(String json) {
        return PeftConfigRegistry.fromJson(json, null, PeftConfig.class);
    }

    /** Reads {@code dir/adapter_config.json}; errors name the file. */
    public static PeftConfig fromPretrained(Path dir) {
        return PeftConfigRegistry.fromPretrained(dir, null, PeftConfig.class);
    }

    /**
     * Reads {@code adapter_config.json} from a local folder or, if {@code nameOrPath} is no folder,
     * from the Hub repo of that id (only that file is downloaded; see {@link HubClient}).
     *
     * <pre>{@code
     * PeftConfig config = PeftConfig.fromPretrained("ybelkada/opt-350m-lora");
     * }</pre>
     */
    public static PeftConfig fromPretrained(String nameOrPath) {
        return fromPretrained(PeftConfigRegistry.configDir(nameOrPath));
    }

    /**
     * Uploads this config as {@code adapter_config.json} to the Hub repo {@code repoId}, creating the
     * repo if needed; needs a token with write access.
     */
    public CommitInfo pushToHub(String repoId) {
        return HubClient.getDefault().pushToHub(repoId, this::savePretrained, "Upload config", false);
    }

    /**
     * Reads a config without logging, returning the ignored keys to the caller.
     *
     * @param source where the text came from, used in error messages; {@code null} for none
     */
    public static ParsedConfig<PeftConfig> parse(String json, String source) {
        return PeftConfigRegistry.parse(json, source, null, PeftConfig.class);
    }

    static String ignoredKeysMessage(ParsedConfig<?> parsed) {
        return PeftConfigRegistry.ignoredKeysMessage(parsed);
    }

    // ---------------------------------------------------------------- identity

    // The values that make two configs equal: what is written, except where a field says otherwise (PEFT keeps
    // target_modules as a set, so its order carries no meaning).
    private Map<String, Object> comparableMap() {
        Map<String, Object> out = new HashMap<>();
        out.put("peft_type", peftType().jsonValue());
        values.forEach((f, v) -> {
            if (!f.isJavaOnly()) {
                out.put(f.key(), f.comparable(v));
            }
        });
        return out;
    }

    @Override
    public final boolean equals(Object o) {
        return o == this
                || (o != null
                        && o.getClass() == getClass()
                        && comparableMap().equals(((PeftConfig) o).comparableMap()));
    }

    @Override
    public final int hashCode() {
        return comparableMap().hashCode();
    }

    /**
     * The keys whose value differs from PEFT's default for this type (a field PEFT has no default for counts as
     * soon as it is set); {@code peft_type} never counts, and {@code target_modules} compares as a set.
     */
    public final Set<String> nonDefaultKeys() {
        Set<String> out = new TreeSet<>();
        values.forEach((f, v) -> {
            if (!f.isJavaOnly() && !Objects.equals(f.comparable(v), f.comparable(f.defaultValue()))) {
                out.add(f.key());
            }
        });
        return out;
    }

    /**
     * Aligned text for JShell: one field per line, values as in the JSON file, fields that differ
     * from PEFT's defaults marked with {@code *}.
     */
    @Override
    public String toString() {
        Map<String, Object> fields = toMap();
        Set<String> changed = nonDefaultKeys();
        int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0);
        TaskType taskType = taskType();
        StringBuilder sb = new StringBuilder(getClass().getSimpleName())
                .append(" (")
                .append(peftType().jsonValue())
                .append(taskType == null ? "" : ", " + taskType.jsonValue())
                .append(")\n");
        fields.forEach((k, v) -> sb.append(changed.contains(k) ? "* " : "  ")
                .append(String.format("%-" + width + "s  ", k))
                .append(PythonJson.dumpsInline(PythonJson.MAPPER.valueToTree(v)))
                .append('\n'));
        return sb.toString();
    }

    // ---------------------------------------------------------------- builder

    /**
     * Collects the values of a config, starting from PEFT's defaults; {@link #build()} checks each field, then the
     * config's cross-field rules. Subclass builders add one-line typed setters over {@link #set}, named after PEFT's
     * key in camelCase ({@code lora_alpha} becomes {@code loraAlpha}; see {@link Peft} for the naming rule).
     */
    public abstract static class Builder<B extends Builder<B, C>, C extends PeftConfig> {
        private final ConfigSchema<C> schema;
        private final Map<ConfigField<?>, Object> values = new LinkedHashMap<>();

        protected Builder(ConfigSchema<C> schema) {
            this.schema = schema;
            for (ConfigField<?> f : schema.fields()) {
                values.put(f, f.defaultValue());
            }
        }

        @SuppressWarnings("unchecked")
        protected final B self() {
            return (B) this;
        }

        /** Sets one field: the generic form of every typed setter, for example {@code set(LoraConfig.R, 16)}. */
        public final <T> B set(ConfigField<T> field, T value) {
            if (!values.containsKey(field)) {
                throw new PeftConfigException(schema.type().getSimpleName() + " has no key '" + field.key() + "'");
            }
            values.put(field, field.accept(value));
            return self();
        }

        /** The value of {@code field} so far: PEFT's default until it is set. */
        public final <T> T get(ConfigField<T> field) {
            return field.cast(values.get(field));
        }

        /** Takes every value of {@code config}, to derive a changed copy. */
        public final B from(C config) {
            ((PeftConfig) config).values.forEach(values::put);
            return self();
        }

        /** Checks each field and the config's cross-field rules, and creates the config. */
        public final C build() {
            values.forEach(ConfigField::validate);
            C config = schema.create(values);
            config.validate();
            return config;
        }

        public B taskType(TaskType taskType) {
            return set(TASK_TYPE, taskType);
        }

        public B baseModelNameOrPath(String baseModelNameOrPath) {
            return set(BASE_MODEL_NAME_OR_PATH, baseModelNameOrPath);
        }

        public B revision(String revision) {
            return set(REVISION, revision);
        }

        public B inferenceMode(boolean inferenceMode) {
            return set(INFERENCE_MODE, inferenceMode);
        }

        public B autoMapping(Map<String, ?> autoMapping) {
            return set(AUTO_MAPPING, jsonObject(autoMapping));
        }

        /** {@code map} typed as a JSON object field's value; the field makes its own unmodifiable copy when set. */
        protected static Map<String, Object> jsonObject(Map<String, ?> map) {
            return map == null ? null : Collections.unmodifiableMap(map);
        }
    }
}
