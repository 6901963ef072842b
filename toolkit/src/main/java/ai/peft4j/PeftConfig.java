package ai.peft4j;

import ai.peft4j.io.LocalFiles;
import ai.peft4j.io.hub.CommitInfo;
import ai.peft4j.io.hub.HubClient;
import ai.peft4j.io.json.PythonJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings of one adapter, as stored in {@code adapter_config.json}. Immutable; subclasses hold the
 * method-specific fields (for example {@link ai.peft4j.tuners.lora.LoraConfig}).
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
 * }</pre>
 */
public abstract class PeftConfig {

  /** The file name PEFT uses for an adapter's config. */
  public static final String CONFIG_NAME = "adapter_config.json";

  private static final Logger LOG = LoggerFactory.getLogger(PeftConfig.class);

  private final PeftType peftType;
  private final TaskType taskType;
  private final String baseModelNameOrPath;
  private final String revision;
  private final boolean inferenceMode;
  private final Map<String, Object> autoMapping;

  protected PeftConfig(PeftType peftType, Builder<?, ?> b) {
    this.peftType = Objects.requireNonNull(peftType, "peftType");
    this.taskType = b.taskType;
    this.baseModelNameOrPath = b.baseModelNameOrPath;
    this.revision = b.revision;
    this.inferenceMode = b.inferenceMode;
    this.autoMapping = b.autoMapping;
  }

  // ---------------------------------------------------------------- accessors

  /** The adapter method ({@code peft_type}). */
  public PeftType peftType() {
    return peftType;
  }

  /** The model head ({@code task_type}), or {@code null} when not set. */
  public TaskType taskType() {
    return taskType;
  }

  /** The base model's name or path ({@code base_model_name_or_path}), or {@code null}. */
  public String baseModelNameOrPath() {
    return baseModelNameOrPath;
  }

  /** The base model's revision ({@code revision}), or {@code null}. */
  public String revision() {
    return revision;
  }

  /** Whether the adapter is frozen for inference ({@code inference_mode}); PEFT saves adapters with {@code true}. */
  public boolean inferenceMode() {
    return inferenceMode;
  }

  /**
   * PEFT's {@code auto_mapping} (base model class hints for custom models), or {@code null}. Kept only so that a
   * file read and written again is unchanged.
   */
  public Map<String, Object> autoMapping() {
    return autoMapping;
  }

  /** Whether this method learns virtual tokens rather than changing layers. */
  public boolean isPromptLearning() {
    return peftType.isPromptLearning();
  }

  // ---------------------------------------------------------------- copies

  /** A builder holding this config's values, to derive a changed copy. */
  public abstract Builder<?, ? extends PeftConfig> toBuilder();

  /** A copy with {@code inference_mode} changed. */
  public PeftConfig withInferenceMode(boolean inferenceMode) {
    return toBuilder().inferenceMode(inferenceMode).build();
  }

  /** A copy with {@code base_model_name_or_path} changed. */
  public PeftConfig withBaseModelNameOrPath(String baseModelNameOrPath) {
    return toBuilder().baseModelNameOrPath(baseModelNameOrPath).build();
  }

  // ---------------------------------------------------------------- writing

  /**
   * Every key PEFT writes for this config, sorted, with plain-Java values ({@link Map}, {@link List},
   * {@link String}, {@link Integer}, {@link Double}, {@link Boolean}, {@code null}).
   */
  public final Map<String, Object> toMap() {
    Map<String, Object> out = new TreeMap<>();
    out.put("auto_mapping", autoMapping);
    out.put("base_model_name_or_path", baseModelNameOrPath);
    out.put("inference_mode", inferenceMode);
    out.put("peft_type", peftType.jsonValue());
    out.put("revision", revision);
    out.put("task_type", taskType == null ? null : taskType.jsonValue());
    putFields(out);
    return Collections.unmodifiableMap(out);
  }

  /** Adds the method-specific keys, named and typed exactly as PEFT writes them. */
  protected abstract void putFields(Map<String, Object> out);

  /** The text PEFT writes to {@code adapter_config.json}: {@code json.dumps(d, indent=2, sort_keys=True)}. */
  public String toJson() {
    return PythonJson.dumps(PythonJson.MAPPER.valueToTree(toMap()));
  }

  /**
   * Writes {@code dir/adapter_config.json}, creating {@code dir} if needed. The file is written next to its
   * target and moved into place, so a reader never sees half a file.
   *
   * <p>Like PEFT's config saver this writes the fields as they are; saving a whole adapter (as PEFT's
   * {@code PeftModel.save_pretrained} does) should use {@code withInferenceMode(true)} first.
   */
  public void savePretrained(Path dir) {
    if (Files.isRegularFile(dir)) {
      throw new PeftConfigException("cannot save the adapter config to " + dir + ": it is a file, not a directory");
    }
    Path target = dir.resolve(CONFIG_NAME);
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + CONFIG_NAME + ".", ".tmp");
      Files.write(tmp, toJson().getBytes(StandardCharsets.UTF_8));
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        // Some file systems cannot rename atomically; a plain replace is the best they offer.
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // The original error matters more than a leftover temp file.
        }
      }
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
    return warnIgnored(parse(json, null)).config();
  }

  /** Reads {@code dir/adapter_config.json}; errors name the file. */
  public static PeftConfig fromPretrained(Path dir) {
    Path file = configFile(dir);
    return warnIgnored(parse(readFile(file), file.toString())).config();
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
    return fromPretrained(HubClient.getDefault().filesDir(nameOrPath, List.of(CONFIG_NAME)));
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
    return parse(json, source, null, PeftConfig.class);
  }

  /**
   * Reads a config that must be of {@code expected} type. For use by subclasses' own {@code fromJson}: a
   * missing {@code peft_type} is taken to be {@code expected}; a different one is an error.
   */
  protected static <T extends PeftConfig> ParsedConfig<T> parse(
      String json, String source, PeftType expected, Class<T> type) {
    try {
      ConfigFields fields = ConfigFields.parse(json);
      PeftType peftType = readPeftType(fields, expected);
      PeftConfig config = PeftConfigRegistry.readerFor(peftType).read(fields);
      if (!type.isInstance(config)) {
        throw new PeftConfigException("the reader registered for " + peftType + " returned a "
            + config.getClass().getSimpleName() + ", not a " + type.getSimpleName());
      }
      return new ParsedConfig<>(type.cast(config), fields.unusedKeys(), source);
    } catch (PeftConfigException e) {
      if (source == null) {
        throw e;
      }
      throw new PeftConfigException(source + ": " + e.getMessage(), e);
    }
  }

  /** A subclass's typed {@code fromJson}: the text must hold a config of {@code type}. */
  protected static <T extends PeftConfig> T fromJsonAs(String json, PeftType type, Class<T> cls) {
    return warnIgnored(parse(json, null, type, cls)).config();
  }

  /** A subclass's typed {@code fromPretrained}: {@code dir/adapter_config.json} of {@code type}. */
  protected static <T extends PeftConfig> T fromPretrainedAs(Path dir, PeftType type, Class<T> cls) {
    Path file = configFile(dir);
    return warnIgnored(parse(readFile(file), file.toString(), type, cls)).config();
  }

  /** Reads a whole file for a subclass's {@code fromPretrained}. */
  protected static String readFile(Path file) {
    try {
      return LocalFiles.readUtf8(file, LocalFiles.MAX_JSON_BYTES);
    } catch (CharacterCodingException e) {
      throw new PeftConfigException(file + " is not UTF-8 text (" + e + "); PEFT writes"
          + " adapter_config.json as UTF-8 JSON: re-save it as UTF-8", e);
    } catch (LocalFiles.NotRegularFileException | LocalFiles.FileTooLargeException e) {
      throw new PeftConfigException(file + " " + e.getReason(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** {@code dir/adapter_config.json}, or a clear error when it is not there. */
  protected static Path configFile(Path dir) {
    Path file = dir.resolve(CONFIG_NAME);
    if (!Files.isRegularFile(file)) {
      throw new PeftConfigException("no " + CONFIG_NAME + " in " + dir
          + (Files.isDirectory(dir) ? "" : " (not a directory)"));
    }
    return file;
  }

  /** Logs the keys a reader dropped, once per file. */
  protected static <T extends PeftConfig> ParsedConfig<T> warnIgnored(ParsedConfig<T> parsed) {
    if (!parsed.ignoredKeys().isEmpty()) {
      LOG.warn(ignoredKeysMessage(parsed));
    }
    return parsed;
  }

  static String ignoredKeysMessage(ParsedConfig<?> parsed) {
    return "Ignoring " + parsed.ignoredKeys().size() + " unknown key(s) in "
        + (parsed.source() == null ? "the " + parsed.config().peftType() + " config" : parsed.source())
        + " (written by a newer PEFT?): " + String.join(", ", parsed.ignoredKeys());
  }

  private static PeftType readPeftType(ConfigFields fields, PeftType expected) {
    if (!fields.has("peft_type") && expected != null) {
      fields.raw("peft_type");
      return expected;
    }
    if (!fields.has("peft_type")) {
      throw new PeftConfigException("key 'peft_type' is missing; expected one of "
          + Arrays.toString(PeftType.values()));
    }
    Object value = fields.raw("peft_type");
    if (!(value instanceof String name)) {
      throw ConfigFields.wrongType("peft_type", value, "a string naming the PEFT method, such as \"LORA\"");
    }
    PeftType found;
    try {
      found = PeftType.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new PeftConfigException("key 'peft_type': unknown PEFT method \"" + name + "\"; expected one of "
          + Arrays.stream(PeftType.values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
    if (expected != null && found != expected) {
      throw new PeftConfigException("key 'peft_type': expected " + expected + " for this config class, found "
          + found + " (read it with PeftConfig.fromJson to get whichever type the file holds)");
    }
    return found;
  }

  // ---------------------------------------------------------------- identity

  /**
   * The values that make two configs equal; by default {@link #toMap()}. Subclasses override it where
   * order carries no meaning (PEFT keeps {@code target_modules} as a set).
   */
  protected Map<String, Object> comparableMap() {
    return toMap();
  }

  @Override
  public final boolean equals(Object o) {
    return o == this || (o != null && o.getClass() == getClass()
        && comparableMap().equals(((PeftConfig) o).comparableMap()));
  }

  @Override
  public final int hashCode() {
    return comparableMap().hashCode();
  }

  /**
   * The keys whose value differs from what a fresh config of this type has (PEFT's defaults), and
   * the keys PEFT has no default for; {@code peft_type} never counts, and {@code target_modules}
   * compares as a set.
   */
  public final Set<String> nonDefaultKeys() {
    Map<String, Object> mine = comparableMap();
    Map<String, Object> bare = new TreeMap<>();
    bare.put("peft_type", peftType.jsonValue());
    for (String key : keysWithoutDefault()) {
      bare.put(key, toMap().get(key));
    }
    Map<String, Object> defaults;
    try {
      defaults = parse(PythonJson.dumps(PythonJson.MAPPER.valueToTree(bare)), "defaults")
          .config().comparableMap();
    } catch (RuntimeException e) {
      defaults = Map.of(); // no valid bare config: every set field counts
    }
    Set<String> out = new TreeSet<>();
    for (Map.Entry<String, Object> e : mine.entrySet()) {
      boolean noDefault = keysWithoutDefault().contains(e.getKey()) && e.getValue() != null;
      if (!e.getKey().equals("peft_type")
          && (noDefault || !Objects.equals(e.getValue(), defaults.get(e.getKey())))) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /** Keys a config of this type cannot be built without (PEFT gives them no default). */
  protected List<String> keysWithoutDefault() {
    return List.of();
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
    StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append(" (")
        .append(peftType.jsonValue()).append(taskType == null ? "" : ", " + taskType.jsonValue())
        .append(")\n");
    fields.forEach((k, v) -> sb.append(changed.contains(k) ? "* " : "  ")
        .append(String.format("%-" + width + "s  ", k))
        .append(PythonJson.dumpsInline(PythonJson.MAPPER.valueToTree(v))).append('\n'));
    return sb.toString();
  }

  // ---------------------------------------------------------------- builder

  /**
   * The fields every config has. Subclass builders extend it, so {@code taskType(...)} and friends chain with
   * the method-specific setters.
   */
  public abstract static class Builder<B extends Builder<B, C>, C extends PeftConfig> {
    private TaskType taskType;
    private String baseModelNameOrPath;
    private String revision;
    private boolean inferenceMode;
    private Map<String, Object> autoMapping;

    protected Builder() {}

    /** Starts from the common fields of {@code from}. */
    protected Builder(PeftConfig from) {
      this.taskType = from.taskType;
      this.baseModelNameOrPath = from.baseModelNameOrPath;
      this.revision = from.revision;
      this.inferenceMode = from.inferenceMode;
      this.autoMapping = from.autoMapping;
    }

    protected abstract B self();

    /** Validates and creates the config. */
    public abstract C build();

    public B taskType(TaskType taskType) {
      this.taskType = taskType;
      return self();
    }

    public B baseModelNameOrPath(String baseModelNameOrPath) {
      this.baseModelNameOrPath = baseModelNameOrPath;
      return self();
    }

    public B revision(String revision) {
      this.revision = revision;
      return self();
    }

    public B inferenceMode(boolean inferenceMode) {
      this.inferenceMode = inferenceMode;
      return self();
    }

    @SuppressWarnings("unchecked")
    public B autoMapping(Map<String, ?> autoMapping) {
      this.autoMapping = (Map<String, Object>) ConfigFields.freeze(autoMapping);
      return self();
    }

    /** Takes the common keys (everything but {@code peft_type}) from a file being read. */
    protected B readCommon(ConfigFields f) {
      String task = f.optString("task_type", null);
      if (task != null) {
        try {
          taskType = TaskType.valueOf(task);
        } catch (IllegalArgumentException e) {
          throw ConfigFields.wrongType("task_type", task, "null or one of "
              + Arrays.stream(TaskType.values()).map(Enum::name).collect(Collectors.joining(", ")));
        }
      }
      baseModelNameOrPath = f.optString("base_model_name_or_path", null);
      revision = f.optString("revision", null);
      inferenceMode = f.bool("inference_mode", false);
      autoMapping(f.optObject("auto_mapping", null));
      return self();
    }
  }
}
