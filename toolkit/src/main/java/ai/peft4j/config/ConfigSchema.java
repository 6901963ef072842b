package ai.peft4j.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * What one config class is made of: its {@code peft_type}, its {@link ConfigField}s (inherited ones first) and its
 * constructor. Each config class declares one constant schema, after its field constants; the generic code of
 * {@link PeftConfig} reads, writes, compares and builds every config through it, and the typed entry points
 * ({@code LoraConfig.fromJson} and friends) are one-line calls to it.
 *
 * <pre>{@code
 * static final ConfigSchema<LoraConfig> SCHEMA = ConfigSchema.of(PeftType.LORA, LoraConfig.class,
 *     LoraConfig::new, PeftConfig.FIELDS, R, LORA_ALPHA, LORA_DROPOUT);
 *
 * LoraConfig c = SCHEMA.fromJson("{\"r\": 4}");   // a missing peft_type is taken to be LORA
 * }</pre>
 *
 * @param <C> the config class
 */
public final class ConfigSchema<C extends PeftConfig> {

    private final PeftType peftType;
    private final Class<C> type;
    private final Function<Map<ConfigField<?>, Object>, C> constructor;
    private final List<ConfigField<?>> fields;

    private ConfigSchema(
            PeftType peftType,
            Class<C> type,
            Function<Map<ConfigField<?>, Object>, C> constructor,
            List<ConfigField<?>> fields) {
        this.peftType = peftType;
        this.type = type;
        this.constructor = constructor;
        this.fields = fields;
    }

    /**
     * A schema with the fields of its parent class ({@link PeftConfig#FIELDS} or, for example,
     * {@code PromptLearningConfig.FIELDS}) followed by its own.
     *
     * @param constructor the config's constructor, which receives every field's value and passes them to
     *                    {@link PeftConfig#PeftConfig(ConfigSchema, Map)}
     */
    public static <C extends PeftConfig> ConfigSchema<C> of(
            PeftType peftType,
            Class<C> type,
            Function<Map<ConfigField<?>, Object>, C> constructor,
            List<ConfigField<?>> inherited,
            ConfigField<?>... own) {
        List<ConfigField<?>> all = new ArrayList<>(inherited);
        all.addAll(Arrays.asList(own));
        Set<String> keys = new HashSet<>();
        for (ConfigField<?> f : all) {
            if (f == null) {
                // A constant declared below the schema is still null while the schema is built (static init order).
                throw new IllegalArgumentException(
                        "the schema of " + type.getSimpleName() + " lists a field that is not "
                                + "initialised yet: declare the schema after the field constants it lists");
            }
            if (!keys.add(f.key())) {
                throw new IllegalArgumentException(type.getSimpleName() + " declares the key '" + f.key() + "' twice");
            }
        }
        return new ConfigSchema<>(
                Objects.requireNonNull(peftType, "peftType"), type, constructor, Collections.unmodifiableList(all));
    }

    /** The method these configs are for. */
    public PeftType peftType() {
        return peftType;
    }

    /** The config class. */
    public Class<C> type() {
        return type;
    }

    /** Every field, inherited ones first. */
    public List<ConfigField<?>> fields() {
        return fields;
    }

    /** Whether configs of this schema have {@code field}. */
    public boolean has(ConfigField<?> field) {
        return fields.contains(field);
    }

    /** A builder with PEFT's defaults that sets fields only through {@link PeftConfig.Builder#set}. */
    public PeftConfig.Builder<?, C> builder() {
        return new Generic<>(this);
    }

    /** The {@link PeftConfigRegistry.Reader}: every field from a parsed file, then the builder's checks. */
    public C read(ConfigFields fields) {
        PeftConfig.Builder<?, C> b = builder();
        for (ConfigField<?> f : this.fields) {
            setFromFile(b, f, fields);
        }
        return b.build();
    }

    private static <T> void setFromFile(PeftConfig.Builder<?, ?> b, ConfigField<T> f, ConfigFields fields) {
        b.set(f, f.read(fields));
    }

    /** Reads a config of this type from JSON text; a missing {@code peft_type} is taken to be this one. */
    public C fromJson(String json) {
        return PeftConfigRegistry.fromJson(json, peftType, type);
    }

    /** Reads {@code dir/adapter_config.json}, which must hold a config of this type. */
    public C fromPretrained(Path dir) {
        return PeftConfigRegistry.fromPretrained(dir, peftType, type);
    }

    /** Like {@link #fromPretrained(Path)}, from a local folder or else the Hub repo of that id. */
    public C fromPretrained(String nameOrPath) {
        return fromPretrained(PeftConfigRegistry.configDir(nameOrPath));
    }

    /** Creates the config; called by {@link PeftConfig.Builder#build()} after the field checks. */
    C create(Map<ConfigField<?>, Object> values) {
        return constructor.apply(values);
    }

    /** The builder behind {@link #builder()}. */
    private static final class Generic<C extends PeftConfig> extends PeftConfig.Builder<Generic<C>, C> {
        Generic(ConfigSchema<C> schema) {
            super(schema);
        }
    }
}
