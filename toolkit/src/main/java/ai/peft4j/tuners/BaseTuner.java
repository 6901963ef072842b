package ai.peft4j.tuners;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.config.ConfigField;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.ModuleTree;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEFT's {@code BaseTuner}: wraps the user's model as the child {@code model} and manages the
 * adapters injected into it. Everything generic lives here — finding tuner layers, switching,
 * enabling, deleting, merging, unloading, {@code modules_to_save}; a method's subclass only
 * decides which modules to wrap and how ({@link #injectAdapter}).
 */
public abstract class BaseTuner extends ModuleBlock implements AdapterHost {

    private static final Logger LOG = LoggerFactory.getLogger(BaseTuner.class);

    private final AdapterConfigs adapters = new AdapterConfigs();
    private boolean disabled;

    protected BaseTuner(Block model) {
        addModule("model", model);
    }

    /** {@inheritDoc} The tuner is {@code base_model}, the user's model {@code base_model.model}. */
    @Override
    public Map<String, Block> peftModelChildren() {
        return Map.of("base_model", this);
    }

    /** The wrapped model, with adapters in place. */
    @Override
    public Block model() {
        return module("model");
    }

    /** The configs by adapter name. */
    @Override
    public Map<String, PeftConfig> configs() {
        return adapters.asMap();
    }

    /**
     * Replaces the config of adapter {@code name}, for a method that records what training found in it (AdaLoRA's
     * {@code rank_pattern}), as PEFT sets a field of the live config; the layers are not touched.
     */
    protected final void replaceConfig(String name, PeftConfig config) {
        adapters.replace(name, config);
    }

    /** The adapter that forward uses and training updates. */
    @Override
    public String activeAdapter() {
        return adapters.active();
    }

    /**
     * Adds adapter {@code name} as {@code config} describes and makes it active if it is the
     * first. Its weights are drawn from {@code rnd}.
     */
    @Override
    public void addAdapter(String name, PeftConfig config, Random rnd) {
        adapters.requireNew(name);
        PeftConfig applied = injectAdapter(name, config, rnd);
        try {
            ModulesToSaveWrapper.wrapAll(model(), modulesToSave(config), name);
        } catch (RuntimeException e) {
            removeFromModules(name); // a failed add leaves the model as it was
            throw e;
        }
        adapters.add(name, applied);
        setAdapter(adapters.active());
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
     * sequence and token classification the head PEFT adds ({@code classifier} or {@code score}), for question
     * answering {@code qa_outputs}.
     */
    protected List<String> savedWhole(PeftConfig config) {
        List<String> out = new ArrayList<>(modulesToSave(config));
        if (config.taskType() == ai.peft4j.config.TaskType.SEQ_CLS
                || config.taskType() == ai.peft4j.config.TaskType.TOKEN_CLS) {
            out.addAll(List.of("classifier", "score"));
        } else if (config.taskType() == ai.peft4j.config.TaskType.QUESTION_ANS) {
            out.add("qa_outputs");
        }
        return out;
    }

    /**
     * PEFT's rule for {@code fan_in_fan_out} (the config's {@code field}): it follows the target layers whatever the
     * config says, with a warning, and PEFT sets it on the config, which is then saved so.
     *
     * @param anyLinear whether a target is a {@code Linear} (weight {@code [out, in]})
     * @param anyConv1D whether a target is a {@code Conv1D} (weight {@code [in, out]})
     */
    protected static <C extends PeftConfig> C fanInFanOutAsApplied(
            C config, ConfigField<Boolean> field, boolean anyLinear, boolean anyConv1D) {
        boolean set = config.get(field);
        C applied = config;
        if (set && anyLinear) {
            LOG.warn("fan_in_fan_out is set to True but the target module is `torch.nn.Linear`. "
                    + "Setting fan_in_fan_out to False.");
            applied = config.with(field, false);
        }
        if (!set && anyConv1D) {
            LOG.warn(
                    "fan_in_fan_out is set to False but the target module is `Conv1D`. Setting fan_in_fan_out to True.");
            applied = config.with(field, true);
        }
        return applied;
    }

    /**
     * The {@code bias} option of LoRA and AdaLoRA (PEFT's {@code mark_only_lora_as_trainable}), for {@link
     * #extraTrainable}: with {@code "all"} every bias outside the kept originals trains, with {@code "lora_only"} the
     * biases of the adapted layers' base layers, with {@code "none"} none.
     *
     * @param bias the option as PEFT spells it
     * @param key the parameter's in-memory key
     */
    protected final boolean biasTrains(String bias, String key) {
        switch (bias) {
            case "all":
                return key.contains("bias") && !key.contains(".original_module.");
            case "lora_only":
                return key.endsWith(".base_layer.bias")
                        && tunerLayers().keySet().stream().anyMatch(path -> key.equals(path + ".base_layer.bias"));
            default:
                return false;
        }
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
    @Override
    public void setAdapter(String name) {
        adapters.require(name);
        for (TunerLayer layer : tunerLayers().values()) {
            layer.setActiveAdapters(layer.adapterNames().contains(name) ? List.of(name) : List.of());
        }
        ModulesToSaveWrapper.find(model()).values().forEach(w -> w.setAdapter(name));
        adapters.setActive(name);
        markTrainable(name, !adapters.get(name).inferenceMode());
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
            String key, String adapter, Map<String, TunerLayer> layers, Map<String, ModulesToSaveWrapper> wrappers) {
        return savedKeyOf(key, adapter, layers, wrappers) != null;
    }

    /** The saved key of an adapter weight or a modules_to_save copy, or null for anything else. */
    private static String savedKeyOf(
            String key, String adapter, Map<String, TunerLayer> layers, Map<String, ModulesToSaveWrapper> wrappers) {
        for (String path : layers.keySet()) {
            String saved = savedKey(key, path, adapter);
            if (saved != null) {
                return saved;
            }
        }
        for (String path : wrappers.keySet()) {
            String saved = ModulesToSaveWrapper.savedCopyKey(key, path, adapter);
            if (saved != null) {
                return saved;
            }
        }
        return null;
    }

    /**
     * PEFT's saved key for a parameter of the tuner layer at {@code layerPath} that belongs to
     * {@code adapter}: {@code P.lora_A.<adapter>.weight} (a module per adapter) gives {@code
     * P.lora_A.weight}; a parameter kept directly under the adapter's name (PyTorch's {@code
     * ParameterDict}: {@code P.ia3_l.<adapter>}, {@code P.lora_magnitude_vector.<adapter>}) gives
     * {@code P.ia3_l}. Null for the base layer's parameters and for other adapters. The adapter name
     * is matched as a whole path segment, so names such as {@code 0} or {@code layers} are safe.
     */
    public static String savedKey(String key, String layerPath, String adapter) {
        if (!key.startsWith(layerPath + ".")) {
            return null;
        }
        String[] parts = key.substring(layerPath.length() + 1).split("\\.", 3);
        if (parts.length < 2 || parts[0].equals("base_layer") || !parts[1].equals(adapter)) {
            return null;
        }
        return layerPath + "." + parts[0] + (parts.length == 3 ? "." + parts[2] : "");
    }

    /** Turns all adapters off (the model computes as its base) or on again. */
    @Override
    public void enableAdapters(boolean enabled) {
        disabled = !enabled;
        tunerLayers().values().forEach(l -> l.setAdaptersEnabled(enabled));
        ModulesToSaveWrapper.find(model()).values().forEach(w -> w.setEnabled(enabled));
    }

    @Override
    public boolean adaptersDisabled() {
        return disabled;
    }

    /** {@inheritDoc} The copies are made for {@code adapter} and the active adapter is set again. */
    @Override
    public void wrapModulesToSave(String adapter, List<String> names) {
        ModulesToSaveWrapper.wrapAll(model(), names, adapter);
        setAdapter(adapters.active());
    }

    /**
     * {@inheritDoc} PEFT's {@code get_peft_model_state_dict}: the adapter's weights in its tuner
     * layers ({@code …q_proj.lora_A.<adapter>.weight} saved as {@code …q_proj.lora_A.weight}), its
     * modules_to_save copies ({@code …score.modules_to_save.<adapter>.weight} as {@code
     * …score.weight}), and whatever {@link #savedAlongside} adds.
     */
    @Override
    public Map<String, Parameter> stateDict(String adapter) {
        adapters.require(adapter);
        String prefix = "base_model.model.";
        Map<String, TunerLayer> layers = tunerLayers();
        Map<String, ModulesToSaveWrapper> wrappers = ModulesToSaveWrapper.find(model());
        Map<String, Parameter> out = new LinkedHashMap<>();
        ModuleTree.namedParameters(model()).forEach((key, p) -> {
            String saved = savedKeyOf(key, adapter, layers, wrappers);
            if (saved != null) {
                out.put(prefix + saved, p);
            } else if (savedAlongside(adapter, key, layers.keySet())) {
                out.put(prefix + key, p);
            }
        });
        return out;
    }

    /**
     * Whether a parameter outside the adapter's own weights is saved with it, under its own key
     * (LoRA's {@code bias} option); none by default.
     */
    protected boolean savedAlongside(String adapter, String key, java.util.Set<String> layerPaths) {
        return false;
    }

    /** {@inheritDoc} The manager of the first tuner layer's base weight, else of any weight. */
    @Override
    public NDManager weightsManager() {
        for (TunerLayer layer : tunerLayers().values()) {
            Parameter w = ModuleTree.directParameters(layer.baseLayer()).get("weight");
            if (w != null && w.isInitialized()) {
                return w.getArray().getManager();
            }
        }
        return ModuleTree.weightsManager(model());
    }

    /** {@inheritDoc} Tuner layers become their base layers, wrappers their original modules. */
    @Override
    public void restore() {
        unload(false, false, false);
    }

    /** Removes adapter {@code name}; layers left without adapters go back to their base layer. */
    @Override
    public void deleteAdapter(String name) {
        adapters.require(name);
        removeFromModules(name);
        if (adapters.remove(name) && adapters.active() != null) {
            setAdapter(adapters.active());
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
        for (Map.Entry<String, ModulesToSaveWrapper> e :
                ModulesToSaveWrapper.find(model()).entrySet()) {
            e.getValue().deleteAdapter(name);
            if (e.getValue().isEmpty()) {
                ModuleTree.replace(model(), e.getKey(), e.getValue().originalModule());
            }
        }
    }

    /** Merges the given adapters (the active one when empty) into the base weights. */
    @Override
    public void merge(List<String> names, boolean safe) {
        List<String> which = names.isEmpty() ? List.of(adapters.active()) : names;
        which.forEach(adapters::require);
        for (TunerLayer layer : tunerLayers().values()) {
            layer.merge(which, safe);
        }
    }

    /** Takes every merged adapter back out of the base weights. */
    @Override
    public void unmerge() {
        tunerLayers().values().forEach(TunerLayer::unmerge);
    }

    /**
     * Puts plain layers back, as PEFT's {@code merge_and_unload} / {@code unload}: each tuner layer
     * becomes its base layer (merged first when {@code merge}), each modules_to_save wrapper the
     * active adapter's trained copy.
     * Returns the model, which then holds no PEFT module.
     */
    @Override
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
        for (Map.Entry<String, ModulesToSaveWrapper> e :
                ModulesToSaveWrapper.find(model()).entrySet()) {
            ModulesToSaveWrapper w = e.getValue();
            Block copy = w.copyFor(w.activeAdapter());
            ModuleTree.replace(model(), e.getKey(), keepTrainedCopies && copy != null ? copy : w.originalModule());
        }
        return model();
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return model().forward(ps, inputs, training, params);
    }
}
