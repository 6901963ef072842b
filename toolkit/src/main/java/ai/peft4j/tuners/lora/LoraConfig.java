package ai.peft4j.tuners.lora;

import ai.peft4j.ConfigFields;
import ai.peft4j.PeftConfig;
import ai.peft4j.PeftConfigException;
import ai.peft4j.PeftType;
import ai.peft4j.tuners.ModuleSelector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * The settings of a LoRA adapter, with every field of PEFT 0.10's {@code LoraConfig} and the same defaults.
 * Immutable; create one with {@link #builder()}, which validates with PEFT's rules.
 *
 * <pre>{@code
 * LoraConfig config = LoraConfig.builder()
 *         .r(16).loraAlpha(32).loraDropout(0.05)
 *         .targetModules("q_proj", "v_proj")        // or .targetModulesRegex(".*(q|v)_proj")
 *         .taskType(TaskType.CAUSAL_LM)
 *         .build();
 * config.toJson();                                  // what PEFT writes to adapter_config.json
 * config.rankFor("model.decoder.layers.0.self_attn.q_proj");   // 16
 * LoraConfig again = LoraConfig.fromJson(config.toJson());       // equal to config
 * }</pre>
 *
 * <p><b>File format.</b> {@link #toJson()} writes all keys PEFT 0.10 writes, including those peft4j does not use
 * ({@code megatron_config}, {@code loftq_config}...), so that a file survives a round trip unchanged.
 * {@code exclude_modules} comes from later PEFT versions and is written <em>only when set</em>: PEFT 0.10 passes
 * every key of the file to its config constructor and fails on one it does not know, so writing
 * {@code "exclude_modules": null} would make every adapter unreadable by older PEFT.
 *
 * <p><b>Not supported yet.</b> DoRA ({@code use_dora = true}) is rejected when building or reading. Options of
 * later PEFT versions ({@code init_lora_weights = "pissa"}, ...) are rejected with a message saying so.
 */
public final class LoraConfig extends PeftConfig implements ai.peft4j.tuners.TargetedConfig {

  /** Which biases train along with the adapter ({@code bias}). */
  public enum Bias {
    /** No bias is trained (PEFT's default). */
    NONE("none"),
    /** Every bias of the model is trained. */
    ALL("all"),
    /** Only the biases of the adapted layers are trained. */
    LORA_ONLY("lora_only");

    private final String jsonValue;

    Bias(String jsonValue) {
      this.jsonValue = jsonValue;
    }

    /** The string PEFT writes. */
    public String jsonValue() {
      return jsonValue;
    }

    /** The constant for PEFT's string, or an error listing the allowed ones. */
    public static Bias fromJson(String value) {
      for (Bias b : values()) {
        if (b.jsonValue.equals(value)) {
          return b;
        }
      }
      throw ConfigFields.wrongType("bias", value, "one of \"none\", \"all\", \"lora_only\"");
    }
  }

  /** How the adapter matrices start ({@code init_lora_weights}: {@code true}, {@code false} or a string). */
  public enum InitLoraWeights {
    /** {@code true}: A random (Kaiming-uniform), B zero, so the adapter starts as a no-op (PEFT's default). */
    TRUE(Boolean.TRUE),
    /** {@code false}: both A and B random, so the adapter changes the output from the start (for tests). */
    FALSE(Boolean.FALSE),
    /** {@code "gaussian"}: A from a normal distribution scaled by the rank, B zero. */
    GAUSSIAN("gaussian"),
    /** {@code "loftq"}: LoftQ initialisation from a quantised base model; needs {@code loftq_config}. */
    LOFTQ("loftq");

    private final Object jsonValue;

    InitLoraWeights(Object jsonValue) {
      this.jsonValue = jsonValue;
    }

    /** The value PEFT writes: a {@link Boolean} or a {@link String}. */
    public Object jsonValue() {
      return jsonValue;
    }

    /** The constant for a JSON value, or an error saying which values PEFT 0.10 accepts. */
    public static InitLoraWeights fromJson(Object value) {
      if (value instanceof Boolean b) {
        return b ? TRUE : FALSE;
      }
      if (value instanceof String s) {
        if (s.equals("gaussian")) {
          return GAUSSIAN;
        }
        if (s.equals("loftq")) {
          return LOFTQ;
        }
        throw new PeftConfigException("key 'init_lora_weights': \"" + s + "\" is not supported by peft4j, "
            + "which follows PEFT 0.10; expected true, false, \"gaussian\" or \"loftq\" (options such "
            + "as \"pissa\", \"olora\" or \"eva\" came with later PEFT versions)");
      }
      throw ConfigFields.wrongType("init_lora_weights", value, "true, false, \"gaussian\" or \"loftq\"");
    }
  }

  /**
   * One entry of {@code layer_replication}: the half-open range {@code [start, end)} of original layers to
   * stack, written as {@code [start, end]} in JSON.
   */
  public record LayerRange(int start, int end) {
    public LayerRange {
      if (start < 0 || end <= start) {
        throw new PeftConfigException("key 'layer_replication': each range [start, end) needs "
            + "0 <= start < end, found [" + start + ", " + end + "]");
      }
    }
  }

  /** PEFT's default for {@code megatron_core}. */
  public static final String DEFAULT_MEGATRON_CORE = "megatron.core";

  private final int r;
  private final int loraAlpha;
  private final double loraDropout;
  private final ModuleSelector targetModules;
  private final ModuleSelector excludeModules;
  private final boolean fanInFanOut;
  private final Bias bias;
  private final boolean useRslora;
  private final List<String> modulesToSave;
  private final InitLoraWeights initLoraWeights;
  private final List<Integer> layersToTransform;
  private final boolean layersToTransformScalar;
  private final List<String> layersPattern;
  private final boolean layersPatternScalar;
  private final Map<String, Integer> rankPattern;
  private final Map<String, Integer> alphaPattern;
  private final Map<String, Object> megatronConfig;
  private final String megatronCore;
  private final Map<String, Object> loftqConfig;
  private final boolean useDora;
  private final List<LayerRange> layerReplication;
  // rank_pattern keys then alpha_pattern keys, compiled as PEFT 0.10 uses them (see patternKeyFor).
  private final Map<String, Pattern> patternKeys;

  private LoraConfig(Builder b) {
    super(PeftType.LORA, b);
    this.r = b.r;
    this.loraAlpha = b.loraAlpha;
    this.loraDropout = b.loraDropout;
    this.targetModules = b.targetModules;
    this.excludeModules = b.excludeModules;
    this.fanInFanOut = b.fanInFanOut;
    this.bias = b.bias;
    this.useRslora = b.useRslora;
    this.modulesToSave = b.modulesToSave == null ? null : List.copyOf(b.modulesToSave);
    this.initLoraWeights = b.initLoraWeights;
    this.layersToTransform = b.layersToTransform == null ? null : List.copyOf(b.layersToTransform);
    this.layersToTransformScalar = b.layersToTransformScalar;
    this.layersPattern = b.layersPattern == null ? null : List.copyOf(b.layersPattern);
    this.layersPatternScalar = b.layersPatternScalar;
    this.rankPattern = Collections.unmodifiableMap(new LinkedHashMap<>(b.rankPattern));
    this.alphaPattern = Collections.unmodifiableMap(new LinkedHashMap<>(b.alphaPattern));
    this.megatronConfig = b.megatronConfig;
    this.megatronCore = b.megatronCore;
    this.loftqConfig = b.loftqConfig;
    this.useDora = b.useDora;
    this.layerReplication = b.layerReplication == null ? null : List.copyOf(b.layerReplication);
    this.patternKeys = b.compiledPatternKeys;
  }

  /** A builder with PEFT's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Builder toBuilder() {
    return new Builder(this);
  }

  @Override
  public LoraConfig withInferenceMode(boolean inferenceMode) {
    return toBuilder().inferenceMode(inferenceMode).build();
  }

  @Override
  public LoraConfig withBaseModelNameOrPath(String baseModelNameOrPath) {
    return toBuilder().baseModelNameOrPath(baseModelNameOrPath).build();
  }

  // ---------------------------------------------------------------- reading

  /**
   * Reads a LoRA config from the text of an {@code adapter_config.json}; unknown keys are named in one warning.
   *
   * @throws PeftConfigException when the file holds another {@code peft_type} or a key is invalid
   */
  public static LoraConfig fromJson(String json) {
    return fromJsonAs(json, PeftType.LORA, LoraConfig.class);
  }

  /** Reads {@code dir/adapter_config.json}, which must be a LoRA config. */
  public static LoraConfig fromPretrained(Path dir) {
    return fromPretrainedAs(dir, PeftType.LORA, LoraConfig.class);
  }

  /** {@link PeftConfig#fromPretrained(String)} that must be a LoRA config: a folder or a repo id. */
  public static LoraConfig fromPretrained(String nameOrPath) {
    return fromPretrained(ai.peft4j.io.hub.HubClient.getDefault().filesDir(nameOrPath, List.of(CONFIG_NAME)));
  }

  /** The {@link ai.peft4j.PeftConfigRegistry} reader: takes LoRA's keys from a parsed file. */
  public static LoraConfig read(ConfigFields f) {
    Builder b = builder().readCommon(f);
    b.r(f.integer("r", 8));
    b.targetModules(readSelector(f, "target_modules"));
    b.excludeModules(readSelector(f, "exclude_modules"));
    b.loraAlpha(f.integerLenient("lora_alpha", 8));
    b.loraDropout(f.number("lora_dropout", 0.0));
    b.fanInFanOut(f.bool("fan_in_fan_out", false));
    b.bias(Bias.fromJson(f.string("bias", Bias.NONE.jsonValue())));
    b.useRslora(f.bool("use_rslora", false));
    b.modulesToSave(f.optStringList("modules_to_save"));
    b.initLoraWeights(f.has("init_lora_weights")
        ? InitLoraWeights.fromJson(f.raw("init_lora_weights")) : InitLoraWeights.TRUE);
    readLayersToTransform(f, b);
    readLayersPattern(f, b);
    b.rankPattern(readIntMap(f, "rank_pattern", false));
    b.alphaPattern(readIntMap(f, "alpha_pattern", true));
    b.megatronConfig(f.optObject("megatron_config", null));
    b.megatronCore(f.optString("megatron_core", DEFAULT_MEGATRON_CORE));
    Map<String, Object> loftq = f.optObject("loftq_config", Map.of());
    b.loftqConfig(loftq == null ? Map.of() : loftq);
    b.useDora(f.bool("use_dora", false));
    b.layerReplication(readLayerReplication(f));
    return b.build();
  }

  private static ModuleSelector readSelector(ConfigFields f, String key) {
    Object v = f.raw(key);
    if (v == null) {
      return null;
    }
    List<String> names = v instanceof String ? null
        : f.stringList(key, v, "a list of module names, a regex string, or null");
    if (names != null && names.isEmpty() && key.equals("exclude_modules")) {
      return null; // PEFT treats an empty exclude list like no list
    }
    try {
      return names == null ? ModuleSelector.regex((String) v) : ModuleSelector.names(names);
    } catch (PeftConfigException e) {
      throw new PeftConfigException("key '" + key + "': " + e.getMessage(), e);
    }
  }

  private static void readLayersToTransform(ConfigFields f, Builder b) {
    Object v = f.raw("layers_to_transform");
    String expected = "null, a layer index, or a list of layer indices";
    if (v == null) {
      b.layersToTransform((List<Integer>) null);
    } else if (v instanceof List<?> list) {
      List<Integer> out = new ArrayList<>();
      for (Object item : list) {
        out.add(f.toInt("layers_to_transform", item, false));
      }
      b.layersToTransform(out);
    } else if (v instanceof Integer i) {
      b.layersToTransform(i.intValue());
    } else {
      throw ConfigFields.wrongType("layers_to_transform", v, expected);
    }
  }

  private static void readLayersPattern(ConfigFields f, Builder b) {
    Object v = f.raw("layers_pattern");
    if (v == null) {
      b.layersPattern((List<String>) null);
    } else if (v instanceof String s) {
      b.layersPattern(s);
    } else {
      b.layersPattern(f.stringList("layers_pattern", v, "null, a string, or a list of strings"));
    }
  }

  private static Map<String, Integer> readIntMap(ConfigFields f, String key, boolean lenient) {
    Map<String, Object> raw = f.optObject(key, Map.of());
    Map<String, Integer> out = new LinkedHashMap<>();
    if (raw != null) {
      for (Map.Entry<String, Object> e : raw.entrySet()) {
        out.put(e.getKey(), f.toInt(key + "." + e.getKey(), e.getValue(), lenient));
      }
    }
    return out;
  }

  private static List<LayerRange> readLayerReplication(ConfigFields f) {
    Object v = f.raw("layer_replication");
    if (v == null) {
      return null;
    }
    String expected = "null or a list of [start, end] pairs";
    if (!(v instanceof List<?> list)) {
      throw ConfigFields.wrongType("layer_replication", v, expected);
    }
    List<LayerRange> out = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof List<?> pair) || pair.size() != 2) {
        throw ConfigFields.wrongType("layer_replication", v, expected + " (bad entry "
            + ConfigFields.describe(item) + ")");
      }
      out.add(new LayerRange(f.toInt("layer_replication", pair.get(0), false),
          f.toInt("layer_replication", pair.get(1), false)));
    }
    return out;
  }

  // ---------------------------------------------------------------- writing

  @Override
  protected void putFields(Map<String, Object> out) {
    out.put("alpha_pattern", alphaPattern);
    out.put("bias", bias.jsonValue());
    out.put("fan_in_fan_out", fanInFanOut);
    out.put("init_lora_weights", initLoraWeights.jsonValue());
    out.put("layer_replication", layerReplication == null ? null
        : layerReplication.stream().map(lr -> List.of(lr.start(), lr.end())).collect(Collectors.toList()));
    out.put("layers_pattern", layersPattern == null ? null
        : layersPatternScalar ? layersPattern.get(0) : layersPattern);
    out.put("layers_to_transform", layersToTransform == null ? null
        : layersToTransformScalar ? layersToTransform.get(0) : layersToTransform);
    out.put("loftq_config", loftqConfig);
    out.put("lora_alpha", loraAlpha);
    out.put("lora_dropout", loraDropout);
    out.put("megatron_config", megatronConfig);
    out.put("megatron_core", megatronCore);
    out.put("modules_to_save", modulesToSave);
    out.put("r", r);
    out.put("rank_pattern", rankPattern);
    out.put("target_modules", targetModules == null ? null : targetModules.toJsonValue());
    out.put("use_dora", useDora);
    out.put("use_rslora", useRslora);
    if (excludeModules != null) {
      // Only when set: PEFT 0.10 rejects keys it does not know (see the class comment).
      out.put("exclude_modules", excludeModules.toJsonValue());
    }
  }

  @Override
  protected Map<String, Object> comparableMap() {
    // PEFT holds target_modules and exclude_modules as sets: order carries no meaning.
    Map<String, Object> m = new LinkedHashMap<>(toMap());
    m.put("target_modules", targetModules);
    m.put("exclude_modules", excludeModules);
    return m;
  }

  // ---------------------------------------------------------------- per-module values

  /**
   * The rank of the adapter on {@code modulePath}: the {@code rank_pattern} value of the key PEFT 0.10 picks
   * for that module, else {@link #r()}. See {@link #patternKeyFor(String)}.
   */
  public int rankFor(String modulePath) {
    return rankPattern.getOrDefault(patternKeyFor(modulePath), r);
  }

  /** The alpha of the adapter on {@code modulePath}, chosen like {@link #rankFor(String)}. */
  public int alphaFor(String modulePath) {
    return alphaPattern.getOrDefault(patternKeyFor(modulePath), loraAlpha);
  }

  /**
   * The pattern key PEFT 0.10 uses for a module: the first key of {@code rank_pattern}, then of
   * {@code alpha_pattern} (each in file order) for which the regex {@code .*\.<key>$} matches the path from its
   * start; if none does, the path itself (so a key equal to the whole path also applies).
   *
   * <p>One key serves both lookups. So if a {@code rank_pattern} key matches first, an {@code alpha_pattern}
   * entry under a different key is not used for that module (PEFT 0.14 and later look the two up separately).
   * peft4j keeps the 0.10 behaviour so that an adapter behaves as it did when it was trained.
   */
  public String patternKeyFor(String modulePath) {
    for (Map.Entry<String, Pattern> e : patternKeys.entrySet()) {
      if (e.getValue().matcher(modulePath).lookingAt()) {
        return e.getKey();
      }
    }
    return modulePath;
  }

  // ---------------------------------------------------------------- accessors

  /** The rank ({@code r}), default 8. */
  public int r() {
    return r;
  }

  /** The scaling numerator ({@code lora_alpha}), default 8. */
  public int loraAlpha() {
    return loraAlpha;
  }

  /** Dropout on the adapter's input ({@code lora_dropout}), default 0.0. */
  public double loraDropout() {
    return loraDropout;
  }

  /** {@code target_modules}, or {@code null} when the architecture's defaults are to be used. */
  public ModuleSelector targetModules() {
    return targetModules;
  }

  /** {@code exclude_modules}, or {@code null}. */
  public ModuleSelector excludeModules() {
    return excludeModules;
  }

  /** {@code fan_in_fan_out}: whether target weights are stored transposed (GPT-2's Conv1D). */
  public boolean fanInFanOut() {
    return fanInFanOut;
  }

  /** {@code bias}, default {@link Bias#NONE}. */
  public Bias bias() {
    return bias;
  }

  /** {@code use_rslora}: scaling {@code alpha / sqrt(r)} instead of {@code alpha / r}. */
  public boolean useRslora() {
    return useRslora;
  }

  /** {@code modules_to_save}: other modules trained and saved in full, or {@code null}. */
  public List<String> modulesToSave() {
    return modulesToSave;
  }

  /** {@code init_lora_weights}, default {@link InitLoraWeights#TRUE}. */
  public InitLoraWeights initLoraWeights() {
    return initLoraWeights;
  }

  /** {@code layers_to_transform} as a list (a single index becomes a one-element list), or {@code null}. */
  public List<Integer> layersToTransform() {
    return layersToTransform;
  }

  /** {@code layers_pattern} as a list (a single string becomes a one-element list), or {@code null}. */
  public List<String> layersPattern() {
    return layersPattern;
  }

  /** {@code rank_pattern}: per-module ranks by key, in file order. */
  public Map<String, Integer> rankPattern() {
    return rankPattern;
  }

  /** {@code alpha_pattern}: per-module alphas by key, in file order. */
  public Map<String, Integer> alphaPattern() {
    return alphaPattern;
  }

  /** {@code megatron_config}, kept for round trips; {@code null} by default. */
  public Map<String, Object> megatronConfig() {
    return megatronConfig;
  }

  /** {@code megatron_core}, default {@value #DEFAULT_MEGATRON_CORE}. */
  public String megatronCore() {
    return megatronCore;
  }

  /** {@code loftq_config}, empty by default. */
  public Map<String, Object> loftqConfig() {
    return loftqConfig;
  }

  /** {@code use_dora}; always {@code false} in peft4j for now. */
  public boolean useDora() {
    return useDora;
  }

  /** {@code layer_replication}, or {@code null}. */
  public List<LayerRange> layerReplication() {
    return layerReplication;
  }

  // ---------------------------------------------------------------- builder

  /** Collects LoRA settings; {@link #build()} validates them. Defaults are PEFT's. */
  public static final class Builder extends PeftConfig.Builder<Builder, LoraConfig> {
    private int r = 8;
    private int loraAlpha = 8;
    private double loraDropout = 0.0;
    private ModuleSelector targetModules;
    private ModuleSelector excludeModules;
    private boolean fanInFanOut;
    private Bias bias = Bias.NONE;
    private boolean useRslora;
    private List<String> modulesToSave;
    private InitLoraWeights initLoraWeights = InitLoraWeights.TRUE;
    private List<Integer> layersToTransform;
    private boolean layersToTransformScalar;
    private List<String> layersPattern;
    private boolean layersPatternScalar;
    private Map<String, Integer> rankPattern = new LinkedHashMap<>();
    private Map<String, Integer> alphaPattern = new LinkedHashMap<>();
    private Map<String, Object> megatronConfig;
    private String megatronCore = DEFAULT_MEGATRON_CORE;
    private Map<String, Object> loftqConfig = Map.of();
    private boolean useDora;
    private List<LayerRange> layerReplication;
    private Map<String, Pattern> compiledPatternKeys;

    private Builder() {}

    private Builder(LoraConfig c) {
      super(c);
      r = c.r;
      loraAlpha = c.loraAlpha;
      loraDropout = c.loraDropout;
      targetModules = c.targetModules;
      excludeModules = c.excludeModules;
      fanInFanOut = c.fanInFanOut;
      bias = c.bias;
      useRslora = c.useRslora;
      modulesToSave = c.modulesToSave;
      initLoraWeights = c.initLoraWeights;
      layersToTransform = c.layersToTransform;
      layersToTransformScalar = c.layersToTransformScalar;
      layersPattern = c.layersPattern;
      layersPatternScalar = c.layersPatternScalar;
      rankPattern = new LinkedHashMap<>(c.rankPattern);
      alphaPattern = new LinkedHashMap<>(c.alphaPattern);
      megatronConfig = c.megatronConfig;
      megatronCore = c.megatronCore;
      loftqConfig = c.loftqConfig;
      useDora = c.useDora;
      layerReplication = c.layerReplication;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected Builder readCommon(ConfigFields f) {
      return super.readCommon(f);
    }

    /** The rank; must be positive. */
    public Builder r(int r) {
      this.r = r;
      return this;
    }

    /** The scaling numerator: the update is multiplied by {@code alpha / r}. */
    public Builder loraAlpha(int loraAlpha) {
      this.loraAlpha = loraAlpha;
      return this;
    }

    /** Dropout probability in [0, 1] applied to the adapter's input. */
    public Builder loraDropout(double loraDropout) {
      this.loraDropout = loraDropout;
      return this;
    }

    /** Target modules by name: a module whose path equals a name or ends with {@code "." + name}. */
    public Builder targetModules(String... names) {
      return targetModules(ModuleSelector.names(names));
    }

    /** Target modules by name (see {@link #targetModules(String...)}). */
    public Builder targetModules(Collection<String> names) {
      return targetModules(names == null ? null : ModuleSelector.names(names));
    }

    /** Target modules by a regex that must match the whole module path. */
    public Builder targetModulesRegex(String regex) {
      return targetModules(regex == null ? null : ModuleSelector.regex(regex));
    }

    /** Every linear layer except the output head (PEFT's {@code "all-linear"}). */
    public Builder targetAllLinear() {
      return targetModulesRegex(ModuleSelector.ALL_LINEAR);
    }

    /** Target modules; {@code null} means the architecture's defaults. */
    public Builder targetModules(ModuleSelector selector) {
      this.targetModules = selector;
      return this;
    }

    /** Modules never to adapt, by name (checked before the targets). Written only when set. */
    public Builder excludeModules(String... names) {
      return excludeModules(names.length == 0 ? null : ModuleSelector.names(names));
    }

    /** Modules never to adapt, by a whole-path regex. */
    public Builder excludeModulesRegex(String regex) {
      return excludeModules(regex == null ? null : ModuleSelector.regex(regex));
    }

    /** Modules never to adapt; {@code null} for none. */
    public Builder excludeModules(ModuleSelector selector) {
      this.excludeModules = selector;
      return this;
    }

    public Builder fanInFanOut(boolean fanInFanOut) {
      this.fanInFanOut = fanInFanOut;
      return this;
    }

    public Builder bias(Bias bias) {
      this.bias = Objects.requireNonNull(bias, "bias");
      return this;
    }

    /** The bias mode by PEFT's name: {@code "none"}, {@code "all"} or {@code "lora_only"}. */
    public Builder bias(String bias) {
      return bias(Bias.fromJson(bias));
    }

    public Builder useRslora(boolean useRslora) {
      this.useRslora = useRslora;
      return this;
    }

    /** Other modules to train and save in full (a classifier head, for instance). */
    public Builder modulesToSave(String... names) {
      return modulesToSave(List.of(names));
    }

    /** Other modules to train and save in full; {@code null} for none. */
    public Builder modulesToSave(List<String> names) {
      this.modulesToSave = names == null ? null : new ArrayList<>(names);
      return this;
    }

    public Builder initLoraWeights(InitLoraWeights init) {
      this.initLoraWeights = Objects.requireNonNull(init, "init");
      return this;
    }

    /** {@code true}: PEFT's default start (B = 0); {@code false}: random A and B. */
    public Builder initLoraWeights(boolean init) {
      return initLoraWeights(init ? InitLoraWeights.TRUE : InitLoraWeights.FALSE);
    }

    /** {@code "gaussian"} or {@code "loftq"}. */
    public Builder initLoraWeights(String init) {
      return initLoraWeights(InitLoraWeights.fromJson(init));
    }

    /** A single layer index (written as a number). */
    public Builder layersToTransform(int layer) {
      this.layersToTransform = List.of(layer);
      this.layersToTransformScalar = true;
      return this;
    }

    /** Layer indices (written as a list). */
    public Builder layersToTransform(int... layers) {
      return layersToTransform(Arrays.stream(layers).boxed().collect(Collectors.toList()));
    }

    /** Layer indices (written as a list); {@code null} for all layers. */
    public Builder layersToTransform(List<Integer> layers) {
      this.layersToTransform = layers == null ? null : new ArrayList<>(layers);
      this.layersToTransformScalar = false;
      return this;
    }

    /** The name of the layer container, such as {@code "layers"} or {@code "h"} (written as a string). */
    public Builder layersPattern(String pattern) {
      this.layersPattern = pattern == null ? null : List.of(pattern);
      this.layersPatternScalar = pattern != null;
      return this;
    }

    /** Several candidate names for the layer container (written as a list). */
    public Builder layersPattern(List<String> patterns) {
      this.layersPattern = patterns == null ? null : new ArrayList<>(patterns);
      this.layersPatternScalar = false;
      return this;
    }

    /** Per-module ranks by key (see {@link LoraConfig#patternKeyFor}); order matters. */
    public Builder rankPattern(Map<String, Integer> rankPattern) {
      this.rankPattern = new LinkedHashMap<>(Objects.requireNonNull(rankPattern, "rankPattern"));
      return this;
    }

    /** Per-module alphas by key (see {@link LoraConfig#patternKeyFor}); order matters. */
    public Builder alphaPattern(Map<String, Integer> alphaPattern) {
      this.alphaPattern = new LinkedHashMap<>(Objects.requireNonNull(alphaPattern, "alphaPattern"));
      return this;
    }

    @SuppressWarnings("unchecked")
    public Builder megatronConfig(Map<String, ?> megatronConfig) {
      this.megatronConfig = (Map<String, Object>) ConfigFields.freeze(megatronConfig);
      return this;
    }

    public Builder megatronCore(String megatronCore) {
      this.megatronCore = megatronCore;
      return this;
    }

    /** LoftQ settings ({@code loftq_bits}, {@code loftq_iter}); required with {@code init_lora_weights="loftq"}. */
    @SuppressWarnings("unchecked")
    public Builder loftqConfig(Map<String, ?> loftqConfig) {
      this.loftqConfig = (Map<String, Object>) ConfigFields.freeze(
          Objects.requireNonNull(loftqConfig, "loftqConfig (use an empty map for none)"));
      return this;
    }

    /** DoRA; peft4j does not implement it yet, so {@code true} fails in {@link #build()}. */
    public Builder useDora(boolean useDora) {
      this.useDora = useDora;
      return this;
    }

    public Builder layerReplication(List<LayerRange> layerReplication) {
      this.layerReplication = layerReplication == null ? null : new ArrayList<>(layerReplication);
      return this;
    }

    /** Validates with PEFT's rules and creates the config. */
    @Override
    public LoraConfig build() {
      validate();
      compiledPatternKeys = compilePatternKeys();
      return new LoraConfig(this);
    }

    private void validate() {
      if (r <= 0) {
        throw new PeftConfigException("key 'r': the LoRA rank must be a positive integer, found " + r);
      }
      if (!(loraDropout >= 0.0 && loraDropout <= 1.0)) {
        throw new PeftConfigException("key 'lora_dropout': expected a probability between 0 and 1, found "
            + loraDropout);
      }
      if (targetModules != null && !targetModules.isRegex()
          && targetModules.names().stream().anyMatch(ModuleSelector::isAllLinear)) {
        throw new PeftConfigException("key 'target_modules': \"" + ModuleSelector.ALL_LINEAR + "\" is only "
            + "understood as a plain string, not inside a list; use targetAllLinear()");
      }
      boolean hasLayers = layersToTransform != null && !layersToTransform.isEmpty();
      if (targetModules != null && targetModules.isRegex()) {
        if (layersToTransform != null) {
          throw new PeftConfigException("key 'layers_to_transform' cannot be combined with a regex "
              + "'target_modules' (\"" + targetModules.regex() + "\"); put the layer numbers into "
              + "the regex or list the module names instead");
        }
        if (layersPattern != null) {
          throw new PeftConfigException("key 'layers_pattern' cannot be combined with a regex "
              + "'target_modules' (\"" + targetModules.regex() + "\")");
        }
      }
      if (layersPattern != null && !layersPattern.isEmpty() && !hasLayers) {
        throw new PeftConfigException("key 'layers_pattern' " + layersPattern + " only has an effect "
            + "together with 'layers_to_transform', which is not set");
      }
      if (layersToTransform != null) {
        for (Integer layer : layersToTransform) {
          if (layer == null || layer < 0) {
            throw new PeftConfigException("key 'layers_to_transform': layer indices must be >= 0, found "
                + layersToTransform);
          }
        }
      }
      if (layersPattern != null) {
        for (String p : layersPattern) {
          if (p == null || p.isEmpty()) {
            throw new PeftConfigException("key 'layers_pattern': entries must be non-empty strings, "
                + "found " + layersPattern);
          }
          checkRegex("layers_pattern", p);
        }
      }
      if (modulesToSave != null && modulesToSave.stream().anyMatch(n -> n == null || n.isEmpty())) {
        throw new PeftConfigException("key 'modules_to_save': names must be non-empty strings, found "
            + modulesToSave);
      }
      if (useDora) {
        throw new PeftConfigException("key 'use_dora': DoRA adapters are not supported by peft4j yet; "
            + "only plain LoRA (use_dora=false) can be built or loaded");
      }
      if (initLoraWeights == InitLoraWeights.LOFTQ && loftqConfig.isEmpty()) {
        throw new PeftConfigException("key 'loftq_config' must be set (e.g. {\"loftq_bits\": 4, "
            + "\"loftq_iter\": 1}) when 'init_lora_weights' is \"loftq\"; found {}");
      }
      for (Map.Entry<String, Integer> e : rankPattern.entrySet()) {
        if (e.getValue() == null || e.getValue() <= 0) {
          throw new PeftConfigException("key 'rank_pattern': the rank for \"" + e.getKey()
              + "\" must be a positive integer, found " + e.getValue());
        }
      }
      for (Map.Entry<String, Integer> e : alphaPattern.entrySet()) {
        Objects.requireNonNull(e.getValue(), "alpha_pattern value for " + e.getKey());
      }
      checkExcludeModules();
    }

    private void checkExcludeModules() {
      if (excludeModules == null || targetModules == null) {
        return;
      }
      if (!excludeModules.isRegex() && !targetModules.isRegex()) {
        List<String> both = new ArrayList<>(new LinkedHashSet<>(targetModules.names()));
        both.retainAll(excludeModules.names());
        if (!both.isEmpty()) {
          throw new PeftConfigException("key 'exclude_modules' must not name modules that "
              + "'target_modules' names too: " + both);
        }
      } else if (excludeModules.equals(targetModules)) {
        throw new PeftConfigException("key 'exclude_modules' must not be the same as 'target_modules' ("
            + targetModules + "): that would exclude every target");
      }
    }

    private Map<String, Pattern> compilePatternKeys() {
      Map<String, Pattern> out = new LinkedHashMap<>();
      for (String key : rankPattern.keySet()) {
        out.putIfAbsent(key, patternKeyRegex("rank_pattern", key));
      }
      for (String key : alphaPattern.keySet()) {
        out.putIfAbsent(key, patternKeyRegex("alpha_pattern", key));
      }
      return Collections.unmodifiableMap(out);
    }

    private static Pattern patternKeyRegex(String field, String key) {
      // The key is pasted into the regex unescaped, exactly as PEFT does, so "layers\\.0\\..*" works too.
      checkRegex(field, key);
      return Pattern.compile(".*\\." + key + "$");
    }

    private static void checkRegex(String field, String fragment) {
      try {
        Pattern.compile(".*\\." + fragment + "$");
      } catch (PatternSyntaxException e) {
        throw new PeftConfigException("key '" + field + "': \"" + fragment + "\" is not a valid regular "
            + "expression (" + e.getDescription() + ")");
      }
    }
  }
}
