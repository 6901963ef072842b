package ai.peft4j.tuners.lora;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.peft4j.PeftConfig;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.nn.Conv1D;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.tuners.BaseTuner;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.TargetMatcher;
import ai.peft4j.tuners.TunerLayer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEFT's {@code LoraModel}: finds the modules a {@link LoraConfig} targets and wraps each linear
 * one in a {@link LoraLinear}.
 */
public class LoraModel extends BaseTuner {

  private static final Logger LOG = LoggerFactory.getLogger(LoraModel.class);

  /** PEFT's default targets per {@code model_type}, used when target_modules is not set. */
  static final Map<String, List<String>> DEFAULT_TARGETS =
      Map.of(
          "opt", List.of("q_proj", "v_proj"),
          "roberta", List.of("query", "value"),
          "gpt2", List.of("c_attn"),
          "llama", List.of("q_proj", "v_proj"),
          "bert", List.of("query", "value"));

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
    TargetMatcher matcher = resolveTargets(TargetMatcher.of(config));
    List<String> paths = new ArrayList<>(ModuleTree.namedModules(model()).keySet());
    List<String> targeted = new ArrayList<>();
    boolean sawExcluded = false;
    List<String> savedWhole = savedWhole(config);
    for (String path : paths) {
      if (path.isEmpty() || insideTunerModule(path)) {
        continue;
      }
      TargetMatcher.Outcome outcome = matcher.check(path);
      sawExcluded |= outcome == TargetMatcher.Outcome.EXCLUDED;
      if (outcome == TargetMatcher.Outcome.TARGETED) {
        if (savedWhole.stream().anyMatch(m -> ("." + path + ".").contains("." + m + "."))) {
          // Trained whole as a modules_to_save copy; an adapter inside it would be copied too.
          LOG.info("{} is inside a module trained whole (modules_to_save): no LoRA there", path);
          continue;
        }
        targeted.add(path);
      }
    }
    if (targeted.isEmpty()) {
      String why = sawExcluded
          ? "All modules matching target_modules were excluded by exclude_modules."
          : TargetMatcher.notFoundMessage(
              matcher.targets().isRegex() ? List.of(matcher.targets().regex()) : matcher.targets().names(),
              paths);
      throw new IllegalArgumentException(why);
    }
    // Check every target before changing anything, so that a refusal leaves the model as it was.
    for (String path : targeted) {
      Block target = ModuleTree.get(model(), path);
      if (!(target instanceof LoraLinear || target instanceof Linear || target instanceof Conv1D
          || target instanceof ai.djl.nn.core.Linear)) {
        throw new IllegalArgumentException(
            "Target module " + path + " (" + target.getClass().getSimpleName() + ") is not"
                + " supported. Currently, only linear layers (peft4j Linear, Conv1D and DJL Linear) are"
                + " supported; pick their names in target_modules.");
      }
    }
    // PEFT's rule: fan_in_fan_out follows the layer, whatever the config says (with a warning).
    boolean anyConv1D = targeted.stream().anyMatch(p -> ModuleTree.get(model(), p) instanceof Conv1D);
    boolean anyLinear = targeted.stream().anyMatch(p -> !(ModuleTree.get(model(), p) instanceof Conv1D));
    LoraConfig applied = config;
    if (config.fanInFanOut() && anyLinear) {
      LOG.warn("fan_in_fan_out is set to True but the target module is `torch.nn.Linear`. "
          + "Setting fan_in_fan_out to False.");
      applied = config.toBuilder().fanInFanOut(false).build();
    }
    if (!config.fanInFanOut() && anyConv1D) {
      LOG.warn("fan_in_fan_out is set to False but the target module is `Conv1D`. Setting fan_in_fan_out to True.");
      applied = config.toBuilder().fanInFanOut(true).build(); // PEFT sets it on the config, and saves it
    }
    for (String path : targeted) {
      Block target = ModuleTree.get(model(), path);
      int r = config.rankFor(path);
      int alpha = config.alphaFor(path);
      LoraLinear layer = target instanceof LoraLinear
          ? (LoraLinear) target : new LoraLinear(target, target instanceof Conv1D);
      layer.updateLayer(
          name, r, alpha, config.loraDropout(), config.initLoraWeights(), config.useRslora(), rnd);
      if (layer != target) {
        ModuleTree.replace(model(), path, layer);
      }
    }
    return applied;
  }

  private TargetMatcher resolveTargets(TargetMatcher matcher) {
    if (matcher.needsDefaultTargets()) {
      String type = model() instanceof PreTrainedModel
          ? ((PreTrainedModel) model()).config().modelType() : null;
      List<String> defaults = type == null ? null : DEFAULT_TARGETS.get(type);
      if (defaults == null) {
        throw new IllegalArgumentException(
            "Please specify `target_modules` in `peft_config`: peft4j has no default targets for "
                + (type == null ? "a custom model" : "model_type '" + type + "'"));
      }
      return matcher.withTargets(ModuleSelector.names(defaults));
    }
    if (matcher.targetsAllLinear()) {
      Set<String> names = new LinkedHashSet<>();
      ModuleTree.namedModules(model()).forEach((path, b) -> {
        if ((b instanceof Linear || b instanceof Conv1D || b instanceof ai.djl.nn.core.Linear)
            && !isOutputLayer(path, b)) {
          names.add(path.substring(path.lastIndexOf('.') + 1));
        }
      });
      return matcher.withTargets(ModuleSelector.names(names));
    }
    return matcher;
  }

  /** The LM head (PEFT excludes the output embedding from "all-linear"). */
  private boolean isOutputLayer(String path, Block b) {
    if (path.equals("lm_head")) {
      return true;
    }
    // A layer that shares the input embedding's weight is an output embedding too.
    if (b instanceof Linear) {
      Parameter w = ((Linear) b).weight();
      return ModuleTree.namedParameters(model()).entrySet().stream()
          .anyMatch(e -> e.getValue() == w && !e.getKey().equals(path + ".weight"));
    }
    return false;
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
