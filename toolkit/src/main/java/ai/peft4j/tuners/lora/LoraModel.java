package ai.peft4j.tuners.lora;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.tuners.BaseTuner;
import ai.peft4j.tuners.Injector;
import ai.peft4j.tuners.MixedBatch;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.TunerLayer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEFT's {@code LoraModel}: finds the modules a {@link LoraConfig} targets and wraps each linear
 * one in a {@link LoraLinear} and each embedding in a {@link LoraEmbedding}, through the generic
 * {@link Injector} and {@link LoraLayerFactory#ALL}.
 */
public class LoraModel extends BaseTuner {

    private static final Logger LOG = LoggerFactory.getLogger(LoraModel.class);

    /** PEFT's default targets per {@code model_type}, used when target_modules is not set. */
    static final Map<String, List<String>> DEFAULT_TARGETS = Map.ofEntries( // more than Map.of's ten pairs
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

    private static final Injector<LoraConfig> INJECTOR = new Injector<>(LoraLayerFactory.ALL, DEFAULT_TARGETS);

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
            applied = applied.toBuilder()
                    .targetModules(ModuleSelector.names(DEFAULT_TARGETS.get(type)))
                    .build();
        }
        plan.apply(name, config, rnd);
        return applied;
    }

    /** {@link BaseTuner#fanInFanOutAsApplied} for the layers {@code targets} found. */
    private static LoraConfig fanInFanOutAsApplied(LoraConfig config, List<Injector.Target<LoraConfig>> targets) {
        return fanInFanOutAsApplied(
                config,
                LoraConfig.FAN_IN_FAN_OUT,
                targets.stream().anyMatch(t -> t.factory() == LoraLayerFactory.LINEAR),
                targets.stream().anyMatch(t -> t.factory() == LoraLayerFactory.CONV1D));
    }

    /** {@inheritDoc} */
    @Override
    protected List<String> modulesToSave(PeftConfig config) {
        List<String> m = ((LoraConfig) config).modulesToSave();
        return m == null ? List.of() : m;
    }

    /**
     * {@inheritDoc} The {@code bias} option: "all" trains every parameter with "bias" in its name (PEFT's
     * test, which also takes T5's {@code relative_attention_bias}), "lora_only" the biases of LoRA layers.
     */
    @Override
    protected boolean extraTrainable(String adapter, String key, Parameter p) {
        return biasTrains(((LoraConfig) configs().get(adapter)).bias().jsonValue(), key);
    }

    /**
     * {@inheritDoc} As PEFT 0.10's {@code get_peft_model_state_dict}:
     *
     * <ul>
     *   <li>{@code bias="all"}: every parameter with "bias" in its name, under its in-memory key (a LoRA
     *       layer's as {@code …q_proj.base_layer.bias}); not those inside modules_to_save wrappers.
     *   <li>{@code bias="lora_only"}: none. PEFT trains the LoRA layers' biases but looks for them under
     *       {@code …q_proj.bias}, which no longer exists since the base layer moved to {@code base_layer},
     *       so its files hold no bias; peft4j writes the same files.
     *   <li>{@link #saveEmbeddingLayers}: the base weights of targeted embedding layers.
     * </ul>
     */
    @Override
    protected boolean savedAlongside(String adapter, String key, java.util.Set<String> layerPaths) {
        if (savesEmbeddingLayer(adapter, key)) {
            return true;
        }
        if (!key.contains("bias") || key.contains(".original_module.") || key.contains(".modules_to_save.")) {
            return false;
        }
        return ((LoraConfig) configs().get(adapter)).bias() == LoraConfig.Bias.ALL && !key.contains(".lora_");
    }

    /** PEFT's {@code EMBEDDING_LAYER_NAMES}: the module names {@code save_embedding_layers="auto"} looks for. */
    static final List<String> EMBEDDING_LAYER_NAMES = List.of("embed_tokens", "lm_head");

    /** PEFT's {@code save_embedding_layers}: "auto" (the default), or always / never. */
    public enum SaveEmbeddingLayers {
        AUTO,
        TRUE,
        FALSE
    }

    private SaveEmbeddingLayers saveEmbeddingLayers = SaveEmbeddingLayers.AUTO;

    /**
     * Sets PEFT's {@code save_embedding_layers} for later saves: {@code AUTO} (PEFT's default) saves the
     * base weights of the embedding layers ({@code embed_tokens}, {@code lm_head}) when one of them is
     * named in {@code target_modules}, with PEFT's warning; {@code TRUE} always saves them; {@code FALSE}
     * never. Loading accepts files with or without them.
     *
     * <pre>{@code
     * ((LoraModel) peft.baseModel()).saveEmbeddingLayers(LoraModel.SaveEmbeddingLayers.FALSE);
     * peft.savePretrained(dir);   // adapter weights only; or peft.savePretrained(dir, SaveEmbeddingLayers.FALSE)
     * }</pre>
     */
    public LoraModel saveEmbeddingLayers(SaveEmbeddingLayers mode) {
        saveEmbeddingLayers = java.util.Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** The current {@code save_embedding_layers} setting. */
    public SaveEmbeddingLayers saveEmbeddingLayers() {
        return saveEmbeddingLayers;
    }

    /** Whether {@code save_embedding_layers} comes out true for {@code adapter} (for AUTO: a targeted embedding name). */
    boolean embeddingLayersSaved(String adapter) {
        switch (saveEmbeddingLayers) {
            case TRUE:
                return true;
            case FALSE:
                return false;
            default:
                return embeddingTargeted(adapter);
        }
    }

    private boolean embeddingTargeted(String adapter) {
        ModuleSelector targets = ((LoraConfig) configs().get(adapter)).targetModules();
        if (targets == null) {
            return false;
        }
        // PEFT's `k in config.target_modules`: a list element, or a substring of a regex string.
        return EMBEDDING_LAYER_NAMES.stream()
                .anyMatch(n -> targets.isRegex()
                        ? targets.regex().contains(n)
                        : targets.names().contains(n));
    }

    /**
     * PEFT saves, for a targeted embedding, the wrapped layer's {@code base_layer} weights; when asked to
     * save embeddings that are not targeted, the whole module ({@code …embed_tokens.weight}).
     */
    private boolean savesEmbeddingLayer(String adapter, String key) {
        if (!embeddingLayersSaved(adapter)) {
            return false;
        }
        boolean targeted = embeddingTargeted(adapter);
        for (String name : EMBEDDING_LAYER_NAMES) {
            int at = key.indexOf(name + ".");
            if (at < 0 || (at > 0 && key.charAt(at - 1) != '.')) {
                continue;
            }
            String rest = key.substring(at + name.length() + 1);
            if (targeted ? rest.startsWith("base_layer.") : !rest.contains("lora_")) {
                return true;
            }
        }
        return false;
    }

    /** {@inheritDoc} Also the {@code bias="all"} tensors and the embedding tables, which PEFT files may lack. */
    @Override
    public boolean optionalInFile(String adapter, String key) {
        return key.contains("bias") || savesEmbeddingLayer(adapter, key);
    }

    /**
     * {@inheritDoc} Nothing is computed for LoRA; this is called once per save, which is where PEFT warns
     * that {@code save_embedding_layers="auto"} became true.
     */
    @Override
    public Map<String, ai.djl.ndarray.NDArray> computedTensors(String adapter, ai.djl.ndarray.NDManager manager) {
        if (saveEmbeddingLayers == SaveEmbeddingLayers.AUTO && embeddingTargeted(adapter)) {
            LOG.warn("Setting `save_embedding_layers` to `True` as embedding layers found in `target_modules`.");
        }
        return Map.of();
    }

    /**
     * {@inheritDoc} As PEFT 0.10's {@code _enable_peft_forward_hooks} and {@code _check_forward_args}: refused in
     * training mode, for a batch of another size, with merged adapters or with DoRA (the active adapter or a named
     * one); peft4j also refuses names that are no adapter of this model (PEFT skips them silently).
     */
    @Override
    public MixedBatch.Scope mixedBatch(List<String> adapterNames, long rows, boolean training) {
        if (training) {
            throw new IllegalStateException("Cannot pass `adapter_names` when the model is in training mode.");
        }
        if (rows >= 0) {
            MixedBatch.requireRows(rows, adapterNames);
        }
        for (String name : adapterNames) {
            if (!name.equals(MixedBatch.BASE) && !configs().containsKey(name)) {
                throw new IllegalArgumentException("adapter_names names '" + name + "', which is not an adapter of"
                        + " this model; its adapters: " + configs().keySet() + ", or \"" + MixedBatch.BASE
                        + "\" for none");
            }
        }
        if (tunerLayers().values().stream().anyMatch(TunerLayer::isMerged)) {
            throw new IllegalStateException("Cannot pass `adapter_names` when there are merged adapters, please call"
                    + " `unmerge_adapter` first.");
        }
        Set<String> involved = new LinkedHashSet<>(adapterNames);
        involved.add(activeAdapter());
        for (String name : involved) {
            if (configs().get(name) instanceof LoraConfig c && c.useDora()) {
                throw new IllegalArgumentException("Cannot pass `adapter_names` when DoRA is enabled.");
            }
        }
        return MixedBatch.open(adapterNames);
    }

    /**
     * PEFT's {@code add_weighted_adapter}: adds adapter {@code adapterName}, merged from {@code adapters} with {@code
     * weights} by {@code combinationType}, with PEFT's default options; see {@link WeightedAdapterMerge}.
     *
     * <pre>{@code
     * lora.addWeightedAdapter(List.of("a", "b"), List.of(0.5, 0.5), "ab", CombinationType.CAT);
     * }</pre>
     *
     * @return false when {@code adapterName} already existed (nothing changes, as in PEFT)
     */
    public boolean addWeightedAdapter(
            List<String> adapters, List<Double> weights, String adapterName, CombinationType combinationType) {
        return addWeightedAdapter(adapters, weights, adapterName, combinationType, WeightedAdapterMerge.options());
    }

    /** {@link #addWeightedAdapter(List, List, String, CombinationType)} with {@code svd_rank}, {@code density}... */
    public boolean addWeightedAdapter(
            List<String> adapters,
            List<Double> weights,
            String adapterName,
            CombinationType combinationType,
            WeightedAdapterMerge.Options options) {
        return WeightedAdapterMerge.add(this, adapters, weights, adapterName, combinationType, options);
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
