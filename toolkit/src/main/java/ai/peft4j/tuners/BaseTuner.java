package ai.peft4j.tuners;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.PeftConfig;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.ModuleTree;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * PEFT's {@code BaseTuner}: wraps the user's model as the child {@code model} and manages the
 * adapters injected into it. Everything generic lives here — finding tuner layers, switching,
 * enabling, deleting, merging, unloading, {@code modules_to_save}; a method's subclass only
 * decides which modules to wrap and how ({@link #injectAdapter}).
 */
public abstract class BaseTuner extends ModuleBlock {

  private final Map<String, PeftConfig> configs = new LinkedHashMap<>();
  private String activeAdapter;

  protected BaseTuner(Block model) {
    addModule("model", model);
  }

  /** The wrapped model, with adapters in place. */
  public Block model() {
    return module("model");
  }

  /** The configs by adapter name. */
  public Map<String, PeftConfig> configs() {
    return java.util.Collections.unmodifiableMap(configs);
  }

  /** The adapter that forward uses and training updates. */
  public String activeAdapter() {
    return activeAdapter;
  }

  /**
   * Adds adapter {@code name} as {@code config} describes and makes it active if it is the
   * first. Its weights are drawn from {@code rnd}.
   */
  public void addAdapter(String name, PeftConfig config, Random rnd) {
    if (configs.containsKey(name)) {
      throw new IllegalArgumentException(
          "adapter '" + name + "' already exists; delete it first or pick another name");
    }
    PeftConfig applied = injectAdapter(name, config, rnd);
    try {
      ModulesToSaveWrapper.wrapAll(model(), modulesToSave(config), name);
    } catch (RuntimeException e) {
      removeFromModules(name); // a failed add leaves the model as it was
      throw e;
    }
    configs.put(name, applied);
    if (activeAdapter == null) {
      activeAdapter = name;
    }
    setAdapter(activeAdapter);
  }

  /**
   * Wraps the targets of {@code config} in {@code model()} with layers carrying {@code name}, and
   * returns the config as applied (PEFT adjusts some fields to the layers it finds, and saves that).
   * Throws without changing the model when the config does not fit; a method normally does this
   * with an {@link Injector} and its {@link LayerFactory} list.
   */
  protected abstract PeftConfig injectAdapter(String name, PeftConfig config, Random rnd);

  /** The {@code modules_to_save} names of a config (none by default). */
  protected List<String> modulesToSave(PeftConfig config) {
    return List.of();
  }

  /**
   * Modules trained whole as trainable copies: the config's {@code modules_to_save}, and for
   * sequence classification the head PEFT adds ({@code classifier} or {@code score}).
   */
  protected List<String> savedWhole(PeftConfig config) {
    List<String> out = new ArrayList<>(modulesToSave(config));
    if (config.taskType() == ai.peft4j.TaskType.SEQ_CLS) {
      out.addAll(List.of("classifier", "score"));
    }
    return out;
  }

  /** Whether a parameter of a non-adapter module should still train ({@code bias} options). */
  protected boolean extraTrainable(String adapter, String key, Parameter p) {
    return false;
  }

  /** Tuner layers by path relative to {@code model()}. */
  public Map<String, TunerLayer> tunerLayers() {
    Map<String, TunerLayer> out = new LinkedHashMap<>();
    ModuleTree.namedModules(model()).forEach((k, b) -> {
      if (b instanceof TunerLayer) {
        out.put(k, (TunerLayer) b);
      }
    });
    return out;
  }

  /**
   * Makes {@code name} the active adapter. Afterwards exactly its parameters (and its copies of
   * modules_to_save) are trainable, unless the adapter's config is in inference mode.
   */
  public void setAdapter(String name) {
    requireAdapter(name);
    for (TunerLayer layer : tunerLayers().values()) {
      layer.setActiveAdapters(layer.adapterNames().contains(name) ? List.of(name) : List.of());
    }
    ModulesToSaveWrapper.find(model()).values().forEach(w -> w.setAdapter(name));
    activeAdapter = name;
    markTrainable(name, !configs.get(name).inferenceMode());
  }

  private void markTrainable(String adapter, boolean trainable) {
    Map<String, TunerLayer> layers = tunerLayers();
    Map<String, ModulesToSaveWrapper> wrappers = ModulesToSaveWrapper.find(model());
    ModuleTree.namedParameters(model()).forEach((key, p) -> {
      boolean adapterParam = isAdapterParameter(key, adapter, layers, wrappers);
      p.freeze(!(trainable && (adapterParam || extraTrainable(adapter, key, p))));
    });
  }

  private static boolean isAdapterParameter(
      String key, String adapter, Map<String, TunerLayer> layers,
      Map<String, ModulesToSaveWrapper> wrappers) {
    for (String path : layers.keySet()) {
      if (savedKey(key, path, adapter) != null) {
        return true;
      }
    }
    for (String path : wrappers.keySet()) {
      if (savedCopyKey(key, path, adapter) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * PEFT's saved key for a parameter of the tuner layer at {@code layerPath} that belongs to
   * {@code adapter}: {@code P.lora_A.<adapter>.weight} gives {@code P.lora_A.weight}; null for the
   * base layer's parameters and for other adapters. The adapter name is matched as a whole path
   * segment, so names such as {@code 0} or {@code layers} are safe.
   */
  public static String savedKey(String key, String layerPath, String adapter) {
    if (!key.startsWith(layerPath + ".")) {
      return null;
    }
    String[] parts = key.substring(layerPath.length() + 1).split("\\.", 3);
    if (parts.length < 3 || parts[0].equals("base_layer") || !parts[1].equals(adapter)) {
      return null;
    }
    return layerPath + "." + parts[0] + "." + parts[2];
  }

  /** PEFT's saved key for {@code adapter}'s copy in the modules_to_save wrapper at {@code path}. */
  public static String savedCopyKey(String key, String wrapperPath, String adapter) {
    String copy = wrapperPath + ".modules_to_save." + adapter + ".";
    return key.startsWith(copy) ? wrapperPath + "." + key.substring(copy.length()) : null;
  }

  /** Turns all adapters off (the model computes as its base) or on again. */
  public void enableAdapters(boolean enabled) {
    tunerLayers().values().forEach(l -> l.setAdaptersEnabled(enabled));
    ModulesToSaveWrapper.find(model()).values().forEach(w -> w.setEnabled(enabled));
  }

  /** Removes adapter {@code name}; layers left without adapters go back to their base layer. */
  public void deleteAdapter(String name) {
    requireAdapter(name);
    removeFromModules(name);
    configs.remove(name);
    if (name.equals(activeAdapter)) {
      activeAdapter = configs.isEmpty() ? null : configs.keySet().iterator().next();
      if (activeAdapter != null) {
        setAdapter(activeAdapter);
      }
    }
  }

  /** Takes adapter {@code name} out of every layer and wrapper; emptied ones give back their module. */
  private void removeFromModules(String name) {
    for (Map.Entry<String, TunerLayer> e : tunerLayers().entrySet()) {
      TunerLayer layer = e.getValue();
      if (layer.adapterNames().contains(name)) {
        layer.deleteAdapter(name);
      }
      if (layer.adapterNames().isEmpty()) {
        ModuleTree.replace(model(), e.getKey(), layer.baseLayer());
      }
    }
    for (Map.Entry<String, ModulesToSaveWrapper> e : ModulesToSaveWrapper.find(model()).entrySet()) {
      e.getValue().deleteAdapter(name);
      if (e.getValue().isEmpty()) {
        ModuleTree.replace(model(), e.getKey(), e.getValue().originalModule());
      }
    }
  }

  /** Merges the given adapters (the active one when empty) into the base weights. */
  public void merge(List<String> names, boolean safe) {
    List<String> which = names.isEmpty() ? List.of(activeAdapter) : names;
    which.forEach(this::requireAdapter);
    for (TunerLayer layer : tunerLayers().values()) {
      layer.merge(which, safe);
    }
  }

  /** Takes every merged adapter back out of the base weights. */
  public void unmerge() {
    tunerLayers().values().forEach(TunerLayer::unmerge);
  }

  /**
   * Puts plain layers back, as PEFT's {@code merge_and_unload} / {@code unload}: each tuner layer
   * becomes its base layer (merged first when {@code merge}), each modules_to_save wrapper the
   * active adapter's trained copy.
   * Returns the model, which then holds no PEFT module.
   */
  public Block unload(boolean merge, boolean safe) {
    return unload(merge, safe, true);
  }

  /**
   * {@link #unload(boolean, boolean)}; with {@code keepTrainedCopies} false, modules_to_save
   * wrappers give back the original module instead (used to undo a failed load).
   */
  public Block unload(boolean merge, boolean safe, boolean keepTrainedCopies) {
    if (merge) {
      for (TunerLayer layer : tunerLayers().values()) {
        if (!layer.isMerged()) {
          layer.merge(layer.activeAdapters(), safe);
        }
      }
    }
    for (Map.Entry<String, TunerLayer> e : tunerLayers().entrySet()) {
      ModuleTree.replace(model(), e.getKey(), e.getValue().baseLayer());
    }
    for (Map.Entry<String, ModulesToSaveWrapper> e : ModulesToSaveWrapper.find(model()).entrySet()) {
      ModulesToSaveWrapper w = e.getValue();
      Block copy = w.copyFor(w.activeAdapter());
      ModuleTree.replace(model(), e.getKey(),
          keepTrainedCopies && copy != null ? copy : w.originalModule());
    }
    return model();
  }

  private void requireAdapter(String name) {
    if (!configs.containsKey(name)) {
      throw new IllegalArgumentException(
          "no adapter named '" + name + "'; adapters: " + configs.keySet());
    }
  }

  /** {@inheritDoc} */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return model().forward(ps, inputs, training, params);
  }
}
