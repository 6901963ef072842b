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
import java.util.function.Supplier;

/**
 * What one config class is made of: its {@code peft_type}, its {@link ConfigField}s (inherited ones first) and its
 * constructor and builder. Each config class declares one constant schema, after its field constants; the generic
 * code of {@link PeftConfig} reads, writes, compares and builds every config through it, and it is the typed way in
 * for reading a config of one class ({@code LoraConfig.SCHEMA.fromJson(json)}), for every config class alike.
 *
 * <pre>{@code
 * static final ConfigSchema<LoraConfig> SCHEMA = ConfigSchema.of(PeftType.LORA, LoraConfig.class,
 *     LoraConfig::new, Builder::new, PeftConfig.FIELDS, R, LORA_ALPHA, LORA_DROPOUT);
 *
 * LoraConfig c = LoraConfig.SCHEMA.fromJson("{\"r\": 4}");   // a missing peft_type is taken to be LORA
 * LoraConfig d = LoraConfig.SCHEMA.fromPretrained("ybelkada/opt-350m-lora");
 * }</pre>
 *
 * @param <C> the config class
 */
public final class ConfigSchema<C extends PeftConfig> {

    private final PeftType peftType;
    private final Class<C> type;
    private final Function<Map<ConfigField<?>, Object>, C> constructor;
    private final Supplier<? extends PeftConfig.Builder<?, C>> builders;
    private final List<ConfigField<?>> fields;

    private ConfigSchema(
            PeftType peftType,
            Class<C> type,
            Function<Map<ConfigField<?>, Object>, C> constructor,
            Supplier<? extends PeftConfig.Builder<?, C>> builders,
            List<ConfigField<?>> fields) {
        this.peftType = peftType;
        this.type = type;
        this.constructor = constructor;
        this.builders = builders;
        this.fields = fields;
    }

    /**
     * A schema with the fields of its parent class ({@link PeftConfig#FIELDS} or, for example,
     * {@code PromptLearningConfig.FIELDS}) followed by its own.
     *
     * @param constructor the config's constructor, which receives every field's value and passes them to
     *                    {@link PeftConfig#PeftConfig(ConfigSchema, Map)}
     * @param builders    makes a fresh builder of the config's own builder class (its constructor), for {@link
     *                    #builder()}, reading and {@link Buildable#toBuilder()}
     */
    public static <C extends PeftConfig> ConfigSchema<C> of(
            PeftType peftType,
            Class<C> type,
            Function<Map<ConfigField<?>, Object>, C> constructor,
            Supplier<? extends PeftConfig.Builder<?, C>> builders,
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
                Objects.requireNonNull(peftType, "peftType"),
                type,
                constructor,
                builders,
                Collections.unmodifiableList(all));
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

    /** A fresh builder of the config's own class, with PEFT's defaults (typed as the generic builder). */
    public PeftConfig.Builder<?, C> builder() {
        return builders.get();
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
}
