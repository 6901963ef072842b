package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.io.AtomicFolder;
import ai.peft4j.io.hub.CommitInfo;
import ai.peft4j.io.hub.HubClient;
import ai.peft4j.io.hub.ModelCard;
import ai.peft4j.io.json.PythonRepr;
import ai.peft4j.io.safetensors.SafetensorsException;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.ParameterTable;
import ai.peft4j.tuners.AdapterHost;
import ai.peft4j.tuners.AdapterLoadException;
import ai.peft4j.tuners.AdapterWeights;
import ai.peft4j.tuners.BaseTuner;
import ai.peft4j.tuners.Initialization;
import ai.peft4j.tuners.MixedBatch;
import ai.peft4j.tuners.TrainingHooks;
import ai.peft4j.tuners.TunerRegistry;
import ai.peft4j.tuners.lora.CombinationType;
import ai.peft4j.tuners.lora.LoraModel;
import ai.peft4j.tuners.lora.WeightedAdapterMerge;
import ai.peft4j.tuners.prompt.PromptLearning;
import ai.peft4j.tuners.prompt.VirtualTokenEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.Table;

/**
 * A model with PEFT adapters: PEFT's {@code PeftModel}. The user's model sits at {@code
 * base_model.model}, so parameter names equal PEFT's in-memory state-dict keys.
 *
 * <pre>{@code
 * var lm = AutoModelForCausalLM.fromPretrained(Path.of("opt"));
 * PeftModel peft = PeftModel.getPeftModel(lm, Peft.lora().r(16).alpha(32)
 *     .targets("q_proj", "v_proj").task(TaskType.CAUSAL_LM).build());
 * peft.printTrainableParameters();
 * peft.savePretrained(Path.of("my-adapter"));        // adapter_config.json + adapter_model.safetensors
 * peft.pushToHub("me/opt-lora");                      // the same files plus a README.md, on the Hub
 * }</pre>
 */
public class PeftModel extends ModuleBlock implements AutoCloseable {

    /** PEFT's name of the adapter weights file. */
    public static final String WEIGHTS_NAME = "adapter_model.safetensors";
    /** The adapter name used when none is given. */
    public static final String DEFAULT_ADAPTER = "default";

    /** The method's side: LoRA's tuner, prompt learning's encoders, ... */
    private final AdapterHost host;
    /** The base model's trainable flags before adapters froze it, to undo a failed load. */
    private final Map<Parameter, Boolean> trainableBefore = new java.util.IdentityHashMap<>();

    protected PeftModel(Block model, PeftConfig config, String adapterName) {
        ModuleTree.uniqueParameters(model).values().forEach(p -> trainableBefore.put(p, p.requiresGradient()));
        PeftConfig named = config;
        if (config.baseModelNameOrPath() == null && model instanceof PreTrainedModel) {
            named = config.withBaseModelNameOrPath(((PreTrainedModel) model).nameOrPath());
        }
        host = TunerRegistry.newHost(config.peftType(), model);
        host.peftModelChildren().forEach(this::addModule);
        try {
            host.addAdapter(adapterName, named, Initialization.generator());
        } catch (RuntimeException e) {
            restoreBaseModel();
            throw e;
        }
        wrapTaskModules(adapterName);
    }

    /**
     * The heads PEFT's task class adds to {@code modules_to_save} for every adapter ({@code classifier}, {@code
     * qa_outputs}, ...), each getting a trainable copy per adapter; none here. Read from the constructor, so it returns
     * a constant.
     */
    protected List<String> taskModulesToSave() {
        return List.of();
    }

    /** PEFT's {@code _set_trainable} for the task's heads: {@code adapter}'s own copy of each. */
    private void wrapTaskModules(String adapter) {
        List<String> names = taskModulesToSave();
        if (!names.isEmpty()) {
            host.wrapModulesToSave(adapter, names);
        }
    }

    /**
     * Adds an adapter called "default" to {@code model}, as PEFT's {@code get_peft_model}; the
     * model is changed in place (its target layers are wrapped) and only adapter weights train.
     * A {@code CAUSAL_LM} config on a causal LM gives a {@link PeftModelForCausalLM}.
     */
    public static PeftModel getPeftModel(Block model, PeftConfig config) {
        return getPeftModel(model, config, DEFAULT_ADAPTER);
    }

    /** {@link #getPeftModel(Block, PeftConfig)} with an adapter name of your choice. */
    public static PeftModel getPeftModel(Block model, PeftConfig config, String adapterName) {
        return PeftModels.create(model, config, adapterName);
    }

    // --- the wrapped model ---

    /**
     * The tuner (PEFT's {@code peft_model.base_model}, e.g. a {@code LoraModel}). Prompt-learning adapters have no
     * tuner: there PEFT's {@code base_model} is the user's model itself, see {@link #getBaseModel()}.
     *
     * @throws IllegalStateException for a prompt-learning model
     */
    public BaseTuner baseModel() {
        if (host instanceof BaseTuner tuner) {
            return tuner;
        }
        throw new IllegalStateException("a " + activePeftConfig().peftType() + " model has no tuner: its base_model "
                + "is the wrapped model itself (getBaseModel()), and its encoders are promptEncoder(name)");
    }

    /** The method's side of this model: its adapters and how they are switched, saved and merged. */
    public AdapterHost adapterHost() {
        return host;
    }

    /** The user's model, with adapter layers in place (PEFT's {@code get_base_model()}). */
    public Block getBaseModel() {
        return host.model();
    }

    /** Whether the adapters are prompt-learning ones (virtual tokens rather than adapted layers). */
    public boolean isPromptLearning() {
        return host instanceof PromptLearning;
    }

    /**
     * The prompt encoder of adapter {@code name} (PEFT's {@code prompt_encoder[name]}).
     *
     * @throws IllegalStateException when this model's adapters are not prompt-learning ones
     */
    public VirtualTokenEncoder promptEncoder(String name) {
        return promptLearning().encoder(name);
    }

    /** The configs by adapter name. */
    public Map<String, PeftConfig> peftConfig() {
        return host.configs();
    }

    /** The config of the active adapter. */
    public PeftConfig activePeftConfig() {
        return peftConfig().get(activeAdapter());
    }

    // --- several adapters ---

    public String activeAdapter() {
        return host.activeAdapter();
    }

    /** Adds another adapter (not active until {@link #setAdapter}). */
    public void addAdapter(String name, PeftConfig config) {
        host.addAdapter(name, config, Initialization.generator());
        wrapTaskModules(name);
    }

    /**
     * PEFT's {@code add_weighted_adapter} (LoRA only): a new adapter {@code adapterName} merged from {@code adapters}
     * with {@code weights}, not activated; see {@link WeightedAdapterMerge} for the types and
     * options.
     *
     * <pre>{@code
     * peft.addWeightedAdapter(List.of("sql", "chat"), List.of(0.7, 0.3), "mix", CombinationType.LINEAR);
     * peft.addWeightedAdapter(List.of("sql", "chat"), List.of(1.0, 1.0), "mix_ties", CombinationType.TIES,
     *         WeightedAdapterMerge.options().density(0.5));
     * peft.setAdapter("mix");
     * }</pre>
     *
     * @return false when {@code adapterName} already existed: nothing changes (PEFT returns early too)
     */
    public boolean addWeightedAdapter(
            List<String> adapters, List<Double> weights, String adapterName, CombinationType combinationType) {
        return addWeightedAdapter(adapters, weights, adapterName, combinationType, WeightedAdapterMerge.options());
    }

    /**
     * {@link #addWeightedAdapter(List, List, String, CombinationType)} with options.
     *
     * @return false when {@code adapterName} already existed: nothing changes
     */
    public boolean addWeightedAdapter(
            List<String> adapters,
            List<Double> weights,
            String adapterName,
            CombinationType combinationType,
            WeightedAdapterMerge.Options options) {
        if (!(host instanceof LoraModel lora)) {
            throw new UnsupportedOperationException("add_weighted_adapter merges LoRA adapters; this model's are "
                    + activePeftConfig().peftType());
        }
        if (!lora.addWeightedAdapter(adapters, weights, adapterName, combinationType, options)) {
            return false;
        }
        wrapTaskModules(adapterName); // the task heads PEFT lists in modules_to_save get their copy too
        return true;
    }

    /** Makes {@code name} the adapter that runs and trains. */
    public void setAdapter(String name) {
        host.setAdapter(name);
    }

    /** Removes an adapter and its weights. */
    public void deleteAdapter(String name) {
        host.deleteAdapter(name);
    }

    /**
     * Switches all adapters off until the returned handle is closed:
     *
     * <pre>{@code
     * try (var off = peft.disableAdapter()) {
     *   baseLogits = peft.forward(ids, mask, null).logits();
     * }
     * }</pre>
     * With prompt learning PEFT runs the base model's own forward: no virtual tokens (modules_to_save copies stay in
     * use).
     */
    public AdapterSwitch disableAdapter() {
        host.enableAdapters(false);
        return () -> host.enableAdapters(true);
    }

    /** Re-enables adapters when closed; see {@link #disableAdapter()}. */
    @FunctionalInterface
    public interface AdapterSwitch extends AutoCloseable {
        @Override
        void close();
    }

    // --- merging ---

    /** Adds the active adapter (or those named) into the base weights; forward is unchanged. */
    public void mergeAdapter(String... adapterNames) {
        host.merge(List.of(adapterNames), false);
    }

    /** Takes merged adapters back out of the base weights. */
    public void unmergeAdapter() {
        host.unmerge();
    }

    /**
     * Merges the active adapter into the base weights and returns the base model without any PEFT
     * layer (PEFT's {@code merge_and_unload}). This PeftModel must not be used afterwards.
     */
    public Block mergeAndUnload() {
        return host.unload(true, false);
    }

    /** {@link #mergeAndUnload()} that checks merged weights for NaN and infinity first. */
    public Block mergeAndUnload(boolean safeMerge) {
        return host.unload(true, safeMerge);
    }

    /** Returns the base model with the adapter layers removed and nothing merged. */
    public Block unload() {
        return host.unload(false, false);
    }

    // --- parameters ---

    /** Trainable and total parameter counts, tied weights counted once. */
    public record ParameterCounts(long trainable, long all) {
        /** {@code 100 * trainable / all}. */
        public double trainablePercent() {
            return 100.0 * trainable / all;
        }

        /** PEFT's line: {@code trainable params: 1,572,864 || all params: ... || trainable%: ...}. */
        @Override
        public String toString() {
            return String.format(
                    java.util.Locale.ROOT,
                    "trainable params: %,d || all params: %,d || trainable%%: %s",
                    trainable,
                    all,
                    PythonRepr.ofDouble(trainablePercent()));
        }
    }

    /** PEFT's {@code get_nb_trainable_parameters()}, computed from shapes. */
    public ParameterCounts getNbTrainableParameters() {
        return new ParameterCounts(ModuleTree.countTrainableParameters(this), ModuleTree.countParameters(this));
    }

    /**
     * Every distinct parameter as a Tablesaw table (module, parameter, type, shape, parameters,
     * trainable); see {@link ParameterTable#byType} for totals per module type.
     */
    public Table parameterTable() {
        return ParameterTable.of(this);
    }

    /** Prints PEFT's one-line parameter summary. */
    public void printTrainableParameters() {
        System.out.println(getNbTrainableParameters());
    }

    // --- saving and loading ---

    /**
     * Writes every adapter in PEFT's format: {@code adapter_config.json} and {@code
     * adapter_model.safetensors} in {@code dir} for "default", in {@code dir/<name>} for others.
     * The save is one step ({@link AtomicFolder}): a process killed while saving leaves {@code dir}
     * loading as the previous save or as this one. Other files in {@code dir} are kept.
     */
    public void savePretrained(Path dir) {
        savePretrained(dir, new ArrayList<>(peftConfig().keySet()));
    }

    /**
     * {@link #savePretrained(Path)} with PEFT's {@code save_embedding_layers} for LoRA adapters: {@code AUTO}
     * (PEFT's default, what the other overloads do) adds the base embedding tables when {@code embed_tokens} or
     * {@code lm_head} is in {@code target_modules}, {@code TRUE} always, {@code FALSE} never.
     *
     * <pre>{@code
     * peft.savePretrained(dir, LoraModel.SaveEmbeddingLayers.FALSE);   // the adapter weights only
     * }</pre>
     *
     * @throws IllegalStateException for a model whose adapters are not LoRA
     */
    public void savePretrained(Path dir, ai.peft4j.tuners.lora.LoraModel.SaveEmbeddingLayers saveEmbeddingLayers) {
        if (!(host instanceof LoraModel lora)) {
            throw new IllegalStateException("save_embedding_layers applies to LoRA adapters; this model's are "
                    + activePeftConfig().peftType() + ": call savePretrained(dir)");
        }
        ai.peft4j.tuners.lora.LoraModel.SaveEmbeddingLayers before = lora.saveEmbeddingLayers();
        lora.saveEmbeddingLayers(saveEmbeddingLayers);
        try {
            savePretrained(dir);
        } finally {
            lora.saveEmbeddingLayers(before);
        }
    }

    /** Writes the named adapters only. */
    public void savePretrained(Path dir, List<String> adapterNames) {
        for (String name : adapterNames) {
            if (!peftConfig().containsKey(name)) {
                throw new IllegalArgumentException("no adapter named '" + name + "'; adapters: "
                        + peftConfig().keySet());
            }
        }
        try {
            AtomicFolder.save(dir, staging -> {
                for (String name : adapterNames) {
                    Path out = name.equals(DEFAULT_ADAPTER) ? staging : staging.resolve(name);
                    AdapterWeights.save(host, name, out.resolve(WEIGHTS_NAME));
                    PeftConfig config = peftConfig().get(name).withInferenceMode(true);
                    Files.writeString(out.resolve(PeftConfig.CONFIG_NAME), config.toJson());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save adapters to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Saves the adapters to a temporary folder with a model card ({@code README.md}) and uploads
     * them to the Hub repo {@code repoId}, creating it (public) if needed: PEFT's {@code
     * push_to_hub}. Needs a token with write access; see {@link HubClient}.
     */
    public CommitInfo pushToHub(String repoId) {
        return pushToHub(repoId, false);
    }

    /** {@link #pushToHub(String)}; a repo that does not exist yet is created private if asked. */
    public CommitInfo pushToHub(String repoId, boolean isPrivate) {
        PeftConfig c = activePeftConfig();
        String card = ModelCard.forAdapter(
                repoId,
                c.baseModelNameOrPath(),
                c.peftType().name(),
                c.taskType() == null ? null : c.taskType().name());
        return HubClient.getDefault()
                .pushToHub(
                        repoId,
                        dir -> {
                            savePretrained(dir);
                            Files.writeString(dir.resolve(ModelCard.FILE_NAME), card);
                        },
                        "Upload model",
                        isPrivate);
    }

    /**
     * Loads an adapter from a local folder or, if {@code nameOrPath} is no folder, from the Hub
     * repo of that id (e.g. {@code "ybelkada/opt-350m-lora"}), for inference.
     */
    public static PeftModel fromPretrained(Block model, String nameOrPath) {
        return fromPretrained(model, HubClient.getDefault().adapterDir(nameOrPath));
    }

    /** {@link #fromPretrained(Block, String)}, trainable when {@code isTrainable}. */
    public static PeftModel fromPretrained(Block model, String nameOrPath, boolean isTrainable) {
        return fromPretrained(model, HubClient.getDefault().adapterDir(nameOrPath), isTrainable);
    }

    /** Loads an adapter saved by PEFT or peft4j for inference (frozen). */
    public static PeftModel fromPretrained(Block model, Path dir) {
        return fromPretrained(model, dir, DEFAULT_ADAPTER, false);
    }

    /** Loads an adapter; with {@code isTrainable} its weights train, else everything is frozen. */
    public static PeftModel fromPretrained(Block model, Path dir, boolean isTrainable) {
        return fromPretrained(model, dir, DEFAULT_ADAPTER, isTrainable);
    }

    /**
     * Loads the adapter in {@code dir} under {@code adapterName}. If anything does not fit (config,
     * missing or unexpected keys, shapes), the model is given back unchanged and the error names
     * the problem.
     */
    public static PeftModel fromPretrained(Block model, Path dir, String adapterName, boolean isTrainable) {
        PeftConfig config = readForLoading(dir, isTrainable);
        try (SafetensorsFile weights = openWeights(dir)) {
            PeftModel peft = getPeftModel(model, config, adapterName);
            try {
                AdapterWeights.load(peft.host, adapterName, weights);
            } catch (RuntimeException e) {
                peft.restoreBaseModel();
                throw e;
            }
            if (!isTrainable && model instanceof PreTrainedModel) {
                ((PreTrainedModel) model).eval();
            }
            return peft;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads another saved adapter into this model under {@code adapterName} (not activated). */
    public void loadAdapter(Path dir, String adapterName) {
        loadAdapter(dir, adapterName, false);
    }

    /** {@link #loadAdapter(Path, String)} from a local folder or a Hub repo id. */
    public void loadAdapter(String nameOrPath, String adapterName) {
        loadAdapter(HubClient.getDefault().adapterDir(nameOrPath), adapterName, false);
    }

    /** {@link #loadAdapter(Path, String)}, trainable when {@code isTrainable}. */
    public void loadAdapter(Path dir, String adapterName, boolean isTrainable) {
        PeftConfig config = readForLoading(dir, isTrainable);
        try (SafetensorsFile weights = openWeights(dir)) {
            addAdapter(adapterName, config);
            try {
                AdapterWeights.load(host, adapterName, weights);
            } catch (RuntimeException e) {
                deleteAdapter(adapterName);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The config in {@code dir} with {@code inference_mode = !isTrainable}. Like PEFT 0.10, prompt-learning adapters
     * cannot be loaded as trainable: the file holds the prompt encoder's output, not the encoder.
     */
    private static PeftConfig readForLoading(Path dir, boolean isTrainable) {
        PeftConfig config = PeftConfig.fromPretrained(dir);
        if (config.isPromptLearning() && isTrainable) {
            throw new IllegalArgumentException(
                    "Cannot set a prompt learning adapter to trainable when loading pretrained "
                            + "adapter (" + config.peftType() + " in " + dir
                            + "). The file holds only the virtual-token embeddings "
                            + "(prompt_embeddings, the encoder's output), not the encoder: load it with isTrainable=false for "
                            + "inference, or train a new adapter with getPeftModel(model, config).");
        }
        return config.withInferenceMode(!isTrainable);
    }

    /**
     * Gives the wrapped model back as it was before this PeftModel (after a failed load): plain
     * layers, and each parameter as trainable as it was.
     */
    void restoreBaseModel() {
        host.restore();
        trainableBefore.forEach((p, trainable) -> p.freeze(!trainable));
    }

    /**
     * Opens {@code dir/adapter_model.safetensors}. A FIFO, device or directory of that name is
     * refused before it is opened: opening a FIFO would wait for a writer forever.
     */
    private static SafetensorsFile openWeights(Path dir) {
        Path file = AtomicFolder.file(dir, WEIGHTS_NAME); // a save that a killed process committed
        if (!Files.exists(file)) {
            String hint = Files.exists(dir.resolve("adapter_model.bin"))
                    ? " (only adapter_model.bin, a pickle, is there: peft4j reads safetensors only; re-save"
                            + " it in Python with model.save_pretrained(dir, safe_serialization=True))"
                    : "";
            throw new AdapterLoadException("no " + WEIGHTS_NAME + " in " + dir + hint);
        }
        try {
            return SafetensorsFile.open(file);
        } catch (SafetensorsException e) {
            throw new AdapterLoadException("cannot load adapter weights: " + e.getMessage(), e);
        }
    }

    // --- forward ---

    /** {@inheritDoc} Runs the base model with its adapters. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return host.forward(ps, inputs, training, params);
    }

    /**
     * The forward with PEFT's {@code adapter_names}: row {@code i} of the batch runs with adapter {@code
     * adapterNames.get(i)}, {@code "__base__"} rows with no adapter, in one pass (inference only; LoRA only, as in
     * PEFT 0.10). Null names give the plain forward. As in PEFT 0.10, modules_to_save copies (a classifier head)
     * still run the active adapter's copy for every row.
     *
     * <pre>{@code
     * peft.loadAdapter(Path.of("adapter-fr"), "fr");
     * peft.loadAdapter(Path.of("adapter-de"), "de");
     * NDList out = peft.forward(ps, new NDList(ids, mask), false, List.of("fr", "de", "__base__"));
     * }</pre>
     *
     * @throws IllegalArgumentException when the names are not one per row, name no adapter of this model, or
     *     involve a DoRA adapter
     * @throws IllegalStateException in training mode or with merged adapters
     * @throws UnsupportedOperationException for adapters other than LoRA
     */
    public NDList forward(ParameterStore ps, NDList inputs, boolean training, List<String> adapterNames) {
        try (MixedBatch.Scope scope =
                mixedBatch(adapterNames, inputs.head().getShape().get(0), training)) {
            return forward(ps, inputs, training);
        }
    }

    /**
     * Opens PEFT's {@code adapter_names} for one forward or {@code generate}, after checking them; for the task
     * classes' overloads. Null names open nothing.
     *
     * @param rows the batch size, or -1 when unknown here (the layers check it)
     */
    protected final MixedBatch.Scope mixedBatch(List<String> adapterNames, long rows, boolean training) {
        return adapterNames == null ? MixedBatch.NONE : host.mixedBatch(adapterNames, rows, training);
    }

    /**
     * The prompt-learning host when virtual tokens take part in forward: this model's adapters are
     * prompt-learning ones and not switched off; null otherwise. For the task models' forwards.
     */
    protected PromptLearning activePrompts() {
        return host instanceof PromptLearning pl && !pl.adaptersDisabled() ? pl : null;
    }

    private PromptLearning promptLearning() {
        if (host instanceof PromptLearning pl) {
            return pl;
        }
        throw new IllegalStateException("only prompt-learning models have prompt encoders");
    }

    /**
     * The loss of one labelled batch, as PEFT's forward with {@code labels} computes it; what {@code PeftTrainer}
     * minimises unless it is given another loss. The task classes run their own forward (virtual tokens included); a
     * plain PeftModel passes the batch to its base model's loss, as PEFT's {@code forward} does.
     *
     * @throws UnsupportedOperationException when the base model is neither a causal LM nor a sequence classifier
     */
    public NDArray loss(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray labels, boolean training) {
        Block base = getBaseModel();
        if (base instanceof PreTrainedCausalLM lm) {
            return regularized(ps, lm.loss(ps, LmInputs.of(inputIds, attentionMask, labels), training), training);
        }
        if (base instanceof PreTrainedModelForSequenceClassification cls) {
            NDArray loss = cls.forward(ps, SequenceClassifierInputs.of(inputIds, attentionMask, labels), training)
                    .loss();
            return regularized(ps, loss, training);
        }
        throw new UnsupportedOperationException(
                "a " + base.getClass().getSimpleName() + " has no loss of its own (only "
                        + "causal LMs and sequence classifiers do); give the trainer one: PeftTrainer.builder(model)"
                        + ".lossFunction((ps, batch, training) -> ...)");
    }

    /**
     * {@code loss} as PEFT's forward returns it with labels: with the method's regulariser added when its host has one
     * ({@link TrainingHooks#regularizedLoss}, AdaLoRA's orthogonal one); {@code null} stays {@code null}.
     */
    protected final NDArray regularized(ParameterStore ps, NDArray loss, boolean training) {
        return loss != null && host instanceof TrainingHooks hooks ? hooks.regularizedLoss(ps, loss, training) : loss;
    }

    /**
     * A {@link ForwardScope} for a forward pass with virtual tokens. Parameters that are still to be
     * allocated (the base model's in training, as DJL's forward would; the prompt encoders, which
     * follow the word embeddings) are allocated first, outside the scope, which would close them.
     */
    ForwardScope promptScope(ParameterStore ps, boolean training) {
        ForwardScope.initialize(getBaseModel(), ps, training);
        promptLearning().initializeEncoders();
        return ForwardScope.open();
    }

    /** The parameters that train, by PEFT's in-memory key. */
    public Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new java.util.LinkedHashMap<>();
        ModuleTree.uniqueParameters(this).forEach((k, p) -> {
            if (p.requiresGradient()) {
                out.put(k, p);
            }
        });
        return out;
    }

    /** Frees the base model's weights when it owns them. */
    @Override
    public void close() {
        if (getBaseModel() instanceof AutoCloseable) {
            try {
                ((AutoCloseable) getBaseModel()).close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the base model failed", e);
            }
        }
    }
}
