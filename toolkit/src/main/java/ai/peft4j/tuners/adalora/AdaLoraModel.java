package ai.peft4j.tuners.adalora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.BaseLayerKind;
import ai.peft4j.tuners.BaseTuner;
import ai.peft4j.tuners.Injector;
import ai.peft4j.tuners.ModuleSelector;
import ai.peft4j.tuners.TrainingHooks;
import ai.peft4j.tuners.TunerLayer;
import ai.peft4j.tuners.WrappingLayerFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEFT 0.10's {@code AdaLoraModel}: wraps each targeted linear (or Conv1D) layer in an {@link SVDLinear} of rank
 * {@code init_r} (the model type's targets when {@code target_modules} is unset), adds the orthogonal regulariser to
 * the loss when labels are given, and allocates the rank budget after each optimizer step ({@link
 * #updateAndAllocate}, which {@code PeftTrainer} calls through {@link TrainingHooks}). As in PEFT only one adapter
 * may be trainable; others must be in inference mode.
 *
 * <pre>{@code
 * PeftModel peft = Peft.adalora().initR(12).targetR(4).totalStep(1000).task(TaskType.CAUSAL_LM).apply(opt);
 * AdaLoraModel ada = (AdaLoraModel) peft.baseModel();
 * // a hand-written loop, as PEFT's examples: forward with labels, backward, optimizer step, then
 * ada.updateAndAllocate(step);             // before the gradients are zeroed
 * ada.rankAllocator().budgetSchedule(step);
 * }</pre>
 *
 * <p><b>Saving.</b> Once the allocator has produced a {@code rank_pattern}, it is in the adapter's config (keys as PEFT
 * saves them, without the adapter name) and a save keeps only the kept singular triplets: each layer's {@code lora_E}
 * and {@code lora_A} rows and {@code lora_B} columns, as PEFT's {@code resize_state_dict_by_rank_pattern}. An adapter
 * whose config has a {@code rank_pattern} is created with those ranks ({@code ranknum} stays at {@code init_r}), so
 * such a file loads as in PEFT.
 */
public class AdaLoraModel extends BaseTuner implements TrainingHooks {

    private static final Logger LOG = LoggerFactory.getLogger(AdaLoraModel.class);

    /** PEFT 0.10's {@code TRANSFORMERS_MODELS_TO_ADALORA_TARGET_MODULES_MAPPING}. */
    static final Map<String, List<String>> DEFAULT_TARGETS = Map.ofEntries(
            Map.entry("t5", List.of("q", "k", "v", "o", "wi", "wo")),
            Map.entry("mt5", List.of("q", "k", "v", "o", "wi_0", "wi_1", "wo")),
            Map.entry("bart", List.of("q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2")),
            Map.entry("gpt2", List.of("c_attn")),
            Map.entry("bloom", List.of("query_key_value")),
            Map.entry("opt", List.of("q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2")),
            Map.entry("gptj", List.of("q_proj", "v_proj")),
            Map.entry("gpt_neox", List.of("query_key_value")),
            Map.entry("gpt_neo", List.of("q_proj", "v_proj")),
            Map.entry("llama", List.of("q_proj", "v_proj")),
            Map.entry("bert", List.of("query", "value")),
            Map.entry("roberta", List.of("query", "key", "value", "dense")),
            Map.entry("deberta-v2", List.of("query_proj", "key_proj", "value_proj", "dense")),
            Map.entry("gpt_bigcode", List.of("c_attn")),
            Map.entry("deberta", List.of("in_proj")));

    /** Puts AdaLoRA on linear layers ({@code nn.Linear}). */
    public static final WrappingLayerFactory<AdaLoraConfig, SVDLinear> LINEAR = factory(BaseLayerKind.LINEAR);

    /** Puts AdaLoRA on transformers' {@code Conv1D} (GPT-2), whose weight is stored {@code [in, out]}. */
    public static final WrappingLayerFactory<AdaLoraConfig, SVDLinear> CONV1D = factory(BaseLayerKind.CONV1D);

    private static final Injector<AdaLoraConfig> INJECTOR = new Injector<>(List.of(LINEAR, CONV1D), DEFAULT_TARGETS);

    private RankAllocator allocator;
    private String allocatorAdapter;

    public AdaLoraModel(Block model) {
        super(model);
    }

    private static WrappingLayerFactory<AdaLoraConfig, SVDLinear> factory(BaseLayerKind kind) {
        return new WrappingLayerFactory<>(
                kind,
                SVDLinear.class,
                (base, path, config) -> new SVDLinear(base, kind.fanInFanOut()),
                (layer, path, adapter, c, rnd) -> {
                    List<Boolean> keep = rankPatternFor(c, adapter, path);
                    int r = keep == null
                            ? c.initR()
                            : (int) keep.stream().filter(b -> b).count();
                    layer.updateLayer(adapter, r, c.initR(), c.loraAlpha(), c.loraDropout(), c.initLoraWeights(), rnd);
                });
    }

    // ---------------------------------------------------------------- injection

    /**
     * {@inheritDoc} The config returned names the targets used, {@code fan_in_fan_out} as the layers need it, and its
     * {@code rank_pattern} keys as PEFT saves them.
     */
    @Override
    protected PeftConfig injectAdapter(String name, PeftConfig peftConfig, Random rnd) {
        AdaLoraConfig config = (AdaLoraConfig) peftConfig;
        if (!config.inferenceMode() && trainableAdapter() != null) {
            throw new IllegalArgumentException("AdaLoraModel supports only 1 trainable adapter. When using multiple "
                    + "adapters, set inference_mode to True for all adapters except the one you want to train.");
        }
        Injector.Plan<AdaLoraConfig> plan = INJECTOR.plan(model(), config, savedWhole(config));
        checkRankPattern(
                config, name, plan.targets().stream().map(Injector.Target::path).toList());
        AdaLoraConfig applied = fanInFanOutAsApplied(
                config,
                AdaLoraConfig.FAN_IN_FAN_OUT,
                plan.targets().stream().anyMatch(t -> t.factory() == LINEAR),
                plan.targets().stream().anyMatch(t -> t.factory() == CONV1D));
        if (config.targetModules() == null) { // PEFT writes the model type's defaults into the config it saves
            String type = ((PreTrainedModel) model()).config().modelType();
            applied = applied.with(AdaLoraConfig.TARGET_MODULES, ModuleSelector.names(DEFAULT_TARGETS.get(type)));
        }
        if (config.rankPattern() != null) {
            applied = applied.with(AdaLoraConfig.RANK_PATTERN, savedForm(config.rankPattern(), name));
        }
        plan.apply(name, config, rnd);
        return applied;
    }

    /**
     * The module path a {@code rank_pattern} key names, by PEFT's rule: the key less its last two segments if it
     * contains the adapter name ({@code …fc1.lora_E.default}), else less its last one ({@code …fc1.lora_E}).
     */
    static String modulePathOf(String key, String adapter) {
        String[] parts = key.split("\\.");
        int drop = key.contains(adapter) ? 2 : 1;
        return String.join(".", java.util.Arrays.asList(parts).subList(0, Math.max(0, parts.length - drop)));
    }

    /** {@code config}'s rank pattern entry for the layer at {@code path}, or {@code null}. */
    private static List<Boolean> rankPatternFor(AdaLoraConfig config, String adapter, String path) {
        if (config.rankPattern() == null) {
            return null;
        }
        for (Map.Entry<String, List<Boolean>> e : config.rankPattern().entrySet()) {
            if (modulePathOf(e.getKey(), adapter).equals(path)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** Refuses a rank pattern naming a module that is not a target, or with other than {@code init_r} entries. */
    private static void checkRankPattern(AdaLoraConfig config, String adapter, List<String> targets) {
        if (config.rankPattern() == null) {
            return;
        }
        Set<String> paths = Set.copyOf(targets);
        config.rankPattern().forEach((key, keep) -> {
            if (!paths.contains(modulePathOf(key, adapter))) {
                throw new IllegalArgumentException("rank_pattern names \"" + key + "\", but "
                        + modulePathOf(key, adapter) + " is not among the AdaLoRA targets of this model");
            }
            if (keep.size() != config.initR()) {
                throw new IllegalArgumentException("rank_pattern \"" + key + "\" has " + keep.size()
                        + " entries; a layer starts with init_r = " + config.initR() + " singular values");
            }
        });
    }

    /** PEFT's saved form of rank-pattern keys: the adapter name taken out ({@code k.replace("." + name, "")}). */
    private static Map<String, List<Boolean>> savedForm(Map<String, List<Boolean>> pattern, String adapter) {
        Map<String, List<Boolean>> out = new LinkedHashMap<>();
        pattern.forEach((k, v) -> out.put(k.replace("." + adapter, ""), v));
        return out;
    }

    /** {@inheritDoc} */
    @Override
    protected List<String> modulesToSave(PeftConfig config) {
        List<String> m = ((AdaLoraConfig) config).modulesToSave();
        return m == null ? List.of() : m;
    }

    /**
     * The AdaLoRA layers by path relative to the model, in module order (a new map each call).
     *
     * <pre>{@code
     * ada.svdLayers().get("model.decoder.layers.0.self_attn.q_proj").adapter("default").r();   // its rank
     * }</pre>
     */
    public Map<String, SVDLinear> svdLayers() {
        Map<String, SVDLinear> out = new LinkedHashMap<>();
        for (Map.Entry<String, TunerLayer> e : tunerLayers().entrySet()) {
            if (e.getValue() instanceof SVDLinear s) {
                out.put(e.getKey(), s);
            }
        }
        return out;
    }

    private Map<String, SVDLinear> layersHolding(String adapter) {
        Map<String, SVDLinear> out = new LinkedHashMap<>();
        svdLayers().forEach((path, l) -> {
            if (l.adapterNames().contains(adapter)) {
                out.put(path, l);
            }
        });
        return out;
    }

    // ---------------------------------------------------------------- trainable flags and saving

    /** {@inheritDoc} Every {@code ranknum} stays frozen, as PEFT's ({@code requires_grad=False}). */
    @Override
    public void setAdapter(String name) {
        super.setAdapter(name);
        for (SVDLinear l : svdLayers().values()) {
            l.adapterNames().forEach(n -> l.adapter(n).ranknum().freeze(true));
        }
    }

    /** {@inheritDoc} The {@code bias} option, as LoRA's in PEFT. */
    @Override
    protected boolean extraTrainable(String adapter, String key, Parameter p) {
        return biasTrains(((AdaLoraConfig) configs().get(adapter)).bias().jsonValue(), key);
    }

    /** {@inheritDoc} With {@code bias="all"} every bias is saved, as PEFT's; {@code "lora_only"} saves none (0.10). */
    @Override
    protected boolean savedAlongside(String adapter, String key, Set<String> layerPaths) {
        return ((AdaLoraConfig) configs().get(adapter)).bias() == AdaLoraConfig.Bias.ALL
                && key.contains("bias")
                && !key.contains(".original_module.")
                && !key.contains(".modules_to_save.")
                && !key.contains(".lora_");
    }

    /**
     * {@inheritDoc} PEFT's keys: {@code …lora_A}, {@code …lora_B}, {@code …lora_E} of each layer; {@code ranknum} is
     * not saved (PEFT keeps the {@code lora_} keys only). With a {@code rank_pattern} the tensors saved are cut to
     * the kept triplets by {@link #computedTensors}.
     *
     * @param adapter the adapter whose weights are listed
     * @return its parameters by in-memory key ({@code base_model.model.…q_proj.lora_E.default}), in module order
     */
    @Override
    public Map<String, Parameter> stateDict(String adapter) {
        Map<String, Parameter> out = new LinkedHashMap<>(super.stateDict(adapter));
        String prefix = "base_model.model.";
        out.keySet()
                .removeIf(k -> k.endsWith(".ranknum")
                        && svdLayers().containsKey(k.substring(prefix.length(), k.length() - ".ranknum".length())));
        return out;
    }

    /**
     * {@inheritDoc} With a {@code rank_pattern}, the tensors of each layer it names cut to the kept triplets (PEFT's
     * {@code resize_state_dict_by_rank_pattern}); a layer already of that rank is saved as it is.
     */
    @Override
    public Map<String, NDArray> computedTensors(String adapter, NDManager manager) {
        AdaLoraConfig config = (AdaLoraConfig) configs().get(adapter);
        Map<String, NDArray> out = new LinkedHashMap<>();
        if (config.rankPattern() == null) {
            return out;
        }
        Map<String, SVDLinear> layers = svdLayers();
        config.rankPattern().forEach((key, keep) -> {
            String path = modulePathOf(key, adapter);
            SVDLinear layer = layers.get(path);
            if (layer == null || !layer.adapterNames().contains(adapter)) {
                throw new IllegalStateException(
                        "rank_pattern names " + key + ", which is no AdaLoRA layer of adapter '" + adapter + "'");
            }
            SVDLinear.Adapter a = layer.adapter(adapter);
            int rank = (int) keep.stream().filter(b -> b).count();
            String saved = "base_model.model." + path + ".";
            out.put(saved + "lora_E", select(a.loraE(), keep, rank, 0, manager));
            out.put(saved + "lora_A", select(a.loraA(), keep, rank, 0, manager));
            out.put(saved + "lora_B", select(a.loraB(), keep, rank, 1, manager));
        });
        return out;
    }

    /** The rows ({@code axis} 0) or columns (1) of {@code p} that {@code keep} marks, unless it has {@code rank} already. */
    private static NDArray select(Parameter p, List<Boolean> keep, int rank, int axis, NDManager manager) {
        NDArray v = p.getArray();
        Shape s = v.getShape();
        long rows = s.get(0);
        long cols = s.get(1);
        if (s.get(axis) == rank) {
            NDArray copy = v.duplicate(); // on v's manager until attached: the contract is new arrays on manager
            copy.attach(manager);
            return copy.toDevice(manager.getDevice(), false);
        }
        if (keep.size() != s.get(axis)) {
            throw new IllegalStateException(
                    "rank_pattern has " + keep.size() + " entries for " + p.getName() + " of shape " + s);
        }
        float[] all = Weights.floats(v);
        float[] kept = new float[Math.toIntExact(axis == 0 ? rank * cols : rows * rank)];
        int n = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (keep.get(axis == 0 ? i : j)) {
                    kept[n++] = all[Math.toIntExact(i * cols + j)];
                }
            }
        }
        Shape shape = axis == 0 ? new Shape(rank, cols) : new Shape(rows, rank);
        return manager.create(kept, shape).toType(v.getDataType(), false);
    }

    /** {@inheritDoc} The trainable adapter's allocator goes with it. */
    @Override
    public void deleteAdapter(String name) {
        super.deleteAdapter(name);
        if (name.equals(allocatorAdapter)) {
            allocator.close();
            allocator = null;
            allocatorAdapter = null;
        }
    }

    // ---------------------------------------------------------------- training

    /**
     * The adapter that trains: the one whose config is not in inference mode (PEFT allows one), or {@code null} when
     * every adapter is in inference mode. The rank allocator and the orthogonal regulariser work on it.
     */
    public String trainableAdapter() {
        for (Map.Entry<String, PeftConfig> e : configs().entrySet()) {
            if (!e.getValue().inferenceMode()) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * The trainable adapter's rank allocator (PEFT's {@code rankallocator}), created on first use.
     *
     * @throws IllegalStateException when no adapter is trainable
     */
    public RankAllocator rankAllocator() {
        String adapter = trainableAdapter();
        if (adapter == null) {
            throw new IllegalStateException("no trainable AdaLoRA adapter: every adapter is in inference mode (load "
                    + "it with isTrainable=true to train it)");
        }
        if (allocator == null || !adapter.equals(allocatorAdapter)) {
            if (allocator != null) {
                allocator.close();
            }
            allocator = new RankAllocator((AdaLoraConfig) configs().get(adapter), adapter, layersHolding(adapter));
            allocatorAdapter = adapter;
        }
        return allocator;
    }

    /**
     * PEFT's {@code update_and_allocate(global_step)}: call it after each optimizer step, before the gradients are
     * zeroed ({@code PeftTrainer} does). Before step {@code total_step - tfinal} it updates the sensitivities and, on
     * the schedule's steps, masks to the budget, storing the pattern in the config; at that step it fixes the final
     * {@code rank_pattern}; after it, it keeps applying that pattern.
     *
     * @throws IllegalStateException when no adapter is trainable or {@code total_step} is not set
     */
    public void updateAndAllocate(long globalStep) {
        updateAndAllocate(globalStep, true);
    }

    /**
     * {@link #updateAndAllocate(long)}, where {@code gradientsUsable} false (an fp16 step skipped for overflow) leaves
     * the sensitivities as they are: the schedule's mask uses those recorded so far, and step {@code total_step -
     * tfinal} still fixes the final {@code rank_pattern}.
     */
    public void updateAndAllocate(long globalStep, boolean gradientsUsable) {
        RankAllocator ra = rankAllocator();
        String adapter = allocatorAdapter;
        AdaLoraConfig config = (AdaLoraConfig) configs().get(adapter);
        if (config.totalStep() == null) {
            ra.budgetSchedule(globalStep); // fails, saying that total_step is needed
        }
        long finalStep = config.totalStep() - config.tfinal();
        if (globalStep < finalStep) {
            Map<String, List<Boolean>> pattern = ra.updateAndAllocate(globalStep, false, gradientsUsable);
            if (pattern != null) {
                setRankPattern(adapter, config, pattern);
            }
        } else if (globalStep == finalStep) {
            setRankPattern(adapter, config, ra.updateAndAllocate(globalStep, true, gradientsUsable));
            ra.resetIpt();
        } else if (config.rankPattern() != null) {
            ra.maskUsingRankPattern(config.rankPattern());
        }
    }

    private void setRankPattern(String adapter, AdaLoraConfig config, Map<String, List<Boolean>> pattern) {
        replaceConfig(adapter, config.with(AdaLoraConfig.RANK_PATTERN, savedForm(pattern, adapter)));
    }

    /**
     * {@inheritDoc} The trainable adapter needs {@code total_step}, the steps its rank budget is laid out over; one
     * other than {@code maxSteps} is allowed (PEFT does not check) but logged, since the final rank pattern is then
     * fixed too early or never.
     */
    @Override
    public void beforeTraining(long maxSteps) {
        String adapter = trainableAdapter();
        if (adapter == null) {
            return;
        }
        Integer total = ((AdaLoraConfig) configs().get(adapter)).totalStep();
        if (total == null || total <= 0) {
            throw new IllegalStateException("AdaLoRA adapter '" + adapter + "' has total_step " + total + ": its rank"
                    + " budget is scheduled over the training steps, so set totalStep(" + maxSteps + ") in the"
                    + " AdaLoraConfig (the trainer's max steps) before training");
        }
        if (total != maxSteps) {
            LOG.warn(
                    "AdaLoRA total_step is {} but the trainer runs {} steps: the final rank pattern is fixed at step"
                            + " total_step - tfinal = {}",
                    total,
                    maxSteps,
                    total - ((AdaLoraConfig) configs().get(adapter)).tfinal());
        }
    }

    /**
     * {@inheritDoc} The trainable adapter's live {@code rank_pattern} ({@code rank_pattern/<saved key>}, 1 for a kept
     * singular value) and the allocator's EMAs ({@code exp_avg_ipt/<name>}, {@code exp_avg_unc/<name>}).
     */
    @Override
    public Map<String, NDArray> trainingState(NDManager manager) {
        String adapter = trainableAdapter();
        Map<String, NDArray> out = new LinkedHashMap<>();
        if (adapter == null) {
            return out;
        }
        AdaLoraConfig config = (AdaLoraConfig) configs().get(adapter);
        if (config.rankPattern() != null) {
            config.rankPattern().forEach((k, keep) -> {
                float[] v = new float[keep.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = keep.get(i) ? 1f : 0f;
                }
                out.put("rank_pattern/" + k, manager.create(v));
            });
        }
        out.putAll(rankAllocator().state(manager));
        return out;
    }

    /** {@inheritDoc} Without a saved {@code rank_pattern} the config keeps none; the EMAs are replaced. */
    @Override
    public void restoreTrainingState(Map<String, NDArray> state) {
        String adapter = trainableAdapter();
        if (adapter == null) {
            return;
        }
        AdaLoraConfig config = (AdaLoraConfig) configs().get(adapter);
        Map<String, List<Boolean>> pattern = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (k.startsWith("rank_pattern/")) {
                List<Boolean> keep = new ArrayList<>();
                for (float f : Weights.floats(v)) {
                    keep.add(f != 0f);
                }
                pattern.put(k.substring("rank_pattern/".length()), keep);
            }
        });
        replaceConfig(adapter, config.with(AdaLoraConfig.RANK_PATTERN, pattern.isEmpty() ? null : pattern));
        rankAllocator().restoreState(state);
    }

    /** {@inheritDoc} {@link #updateAndAllocate(long, boolean)}. */
    @Override
    public void afterOptimizerStep(long globalStep, boolean gradientsUsable) {
        updateAndAllocate(globalStep, gradientsUsable);
    }

    /**
     * {@inheritDoc} PEFT's {@code AdaLoraModel.forward} with labels: {@code loss + orth_reg_weight · R}, where {@code
     * R} is the mean over the trainable adapter's A and B matrices of {@code ‖A Aᵀ − I‖_F} and {@code ‖Bᵀ B − I‖_F}.
     * Without a trainable adapter the loss is returned as it is (PEFT 0.10 fails there).
     */
    @Override
    public NDArray regularizedLoss(ParameterStore ps, NDArray loss, boolean training) {
        String adapter = trainableAdapter();
        if (adapter == null) {
            return loss;
        }
        double weight = ((AdaLoraConfig) configs().get(adapter)).orthRegWeight();
        try (ForwardScope scope = ForwardScope.open()) {
            NDArray sum = null;
            int n = 0;
            for (SVDLinear layer : layersHolding(adapter).values()) {
                SVDLinear.Adapter a = layer.adapter(adapter);
                NDArray la = value(ps, a.loraA(), loss, training);
                NDArray lb = value(ps, a.loraB(), loss, training);
                List<NDArray> covs = new ArrayList<>();
                covs.add(la.matMul(la.transpose()));
                covs.add(lb.transpose().matMul(lb));
                for (NDArray cov : covs) {
                    int r = Math.toIntExact(cov.getShape().get(0));
                    NDArray eye = cov.getManager().eye(r, r, 0, cov.getDataType(), cov.getDevice());
                    NDArray norm = cov.sub(eye).square().sum().sqrt();
                    sum = sum == null ? norm : sum.add(norm);
                    n++;
                }
            }
            if (sum == null) {
                return loss;
            }
            NDArray reg = ai.peft4j.nn.Scalars.div(sum, n);
            return scope.keep(loss.add(ai.peft4j.nn.Scalars.mul(reg, weight)));
        }
    }
}
