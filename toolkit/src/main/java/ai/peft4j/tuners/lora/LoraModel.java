package ai.peft4j.tuners.lora;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.tuners.BaseTuner;
import ai.peft4j.tuners.Injector;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.TunerLayer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEFT's {@code LoraModel}: finds the modules a {@link LoraConfig} targets and wraps each linear
 * one in a {@link LoraLinear}, through the generic {@link Injector} and {@link
 * LoraLayerFactory#ALL}.
 */
public class LoraModel extends BaseTuner {

  private static final Logger LOG = LoggerFactory.getLogger(LoraModel.class);

  /** PEFT's default targets per {@code model_type}, used when target_modules is not set. */
  static final Map<String, List<String>> DEFAULT_TARGETS =
      Map.ofEntries( // more than Map.of's ten pairs
          Map.entry("opt", List.of("q_proj", "v_proj")),
          Map.entry("roberta", List.of("query", "value")),
          Map.entry("gpt2", List.of("c_attn")),
          Map.entry("llama", List.of("q_proj", "v_proj")),
          Map.entry("mistral", List.of("q_proj", "v_proj")),
          Map.entry("gemma", List.of("q_proj", "v_proj")),
          Map.entry("qwen2", List.of("q_proj", "v_proj")), // PEFT 0.12+; 0.10 has none and asks for target_modules
          Map.entry("bert", List.of("query", "value")),
          Map.entry("bloom", List.of("query_key_value")),
          Map.entry("t5", List.of("q", "v")),
          Map.entry("mt5", List.of("q", "v")));

  private static final Injector<LoraConfig> INJECTOR =
      new Injector<>(LoraLayerFactory.ALL, DEFAULT_TARGETS);

  public LoraModel(Block model) {
    super(model);
  }

  /** {@inheritDoc} */
  @Override
  protected PeftConfig injectAdapter(String name, PeftConfig peftConfig, Random rnd) {
    LoraConfig config = (LoraConfig) peftConfig;
    if (config.initLoraWeights() == LoraConfig.InitLoraWeights.LOFTQ) {
      throw new IllegalArgumentException(
          "init_lora_weights=\"loftq\" is not supported by peft4j yet: it needs a quantized base"
              + " model; use true, false or \"gaussian\"");
    }
    Injector.Plan<LoraConfig> plan = INJECTOR.plan(model(), config, savedWhole(config));
    LoraConfig applied = fanInFanOutAsApplied(config, plan.targets());
    if (config.targetModules() == null) { // PEFT writes the model type's defaults into the config it saves
      String type = ((PreTrainedModel) model()).config().modelType();
      applied = applied.toBuilder().targetModules(ModuleSelector.names(DEFAULT_TARGETS.get(type))).build();
    }
    plan.apply(name, config, rnd);
    return applied;
  }

  /**
   * PEFT's rule: fan_in_fan_out follows the target layers, whatever the config says (with a
   * warning), and PEFT sets it on the config, which is then saved so.
   */
  private static LoraConfig fanInFanOutAsApplied(
      LoraConfig config, List<Injector.Target<LoraConfig>> targets) {
    boolean anyConv1D = targets.stream().anyMatch(t -> t.factory() == LoraLayerFactory.CONV1D);
    boolean anyLinear = targets.stream().anyMatch(t -> t.factory() != LoraLayerFactory.CONV1D);
    LoraConfig applied = config;
    if (config.fanInFanOut() && anyLinear) {
      LOG.warn("fan_in_fan_out is set to True but the target module is `torch.nn.Linear`. "
          + "Setting fan_in_fan_out to False.");
      applied = config.toBuilder().fanInFanOut(false).build();
    }
    if (!config.fanInFanOut() && anyConv1D) {
      LOG.warn("fan_in_fan_out is set to False but the target module is `Conv1D`. Setting fan_in_fan_out to True.");
      applied = config.toBuilder().fanInFanOut(true).build();
    }
    return applied;
  }

  /** {@inheritDoc} */
  @Override
  protected List<String> modulesToSave(PeftConfig config) {
    List<String> m = ((LoraConfig) config).modulesToSave();
    return m == null ? List.of() : m;
  }

  /** {@inheritDoc} The {@code bias} option: "all" trains every bias, "lora_only" those of LoRA layers. */
  @Override
  protected boolean extraTrainable(String adapter, String key, Parameter p) {
    LoraConfig config = (LoraConfig) configs().get(adapter);
    switch (config.bias()) {
      case ALL:
        return key.endsWith("bias") && !key.contains(".original_module.");
      case LORA_ONLY:
        return key.endsWith(".base_layer.bias") && tunerLayers().keySet().stream()
            .anyMatch(path -> key.equals(path + ".base_layer.bias"));
      default:
        return false;
    }
  }

  /** {@inheritDoc} PEFT saves the biases that {@code bias} trains, but not those inside modules_to_save copies. */
  @Override
  protected boolean savedAlongside(String adapter, String key, java.util.Set<String> layerPaths) {
    if (!key.endsWith("bias") || key.contains(".original_module.") || key.contains(".modules_to_save.")) {
      return false;
    }
    switch (((LoraConfig) configs().get(adapter)).bias()) {
      case ALL:
        return !key.contains(".lora_");
      case LORA_ONLY:
        return layerPaths.stream().anyMatch(path -> key.equals(path + ".base_layer.bias"));
      default:
        return false;
    }
  }

  /** The LoRA layers by path relative to the model. */
  public Map<String, LoraLinear> loraLayers() {
    Map<String, LoraLinear> out = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, TunerLayer> e : tunerLayers().entrySet()) {
      if (e.getValue() instanceof LoraLinear) {
        out.put(e.getKey(), (LoraLinear) e.getValue());
      }
    }
    return out;
  }
}
