package ai.peft4j.tuners.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ModuleDict;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.tuners.AdapterConfigs;
import ai.peft4j.tuners.AdapterHost;
import ai.peft4j.tuners.Initialization;
import ai.peft4j.tuners.ModulesToSaveWrapper;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The prompt-learning part of PEFT's {@code PeftModel}: {@code _setup_prompt_encoder}, {@code get_prompt}, {@code
 * get_prompt_embedding_to_save} and the bookkeeping of adapters, for a PEFT model whose {@code base_model} is the
 * user's model itself and whose encoders sit beside it under {@code prompt_encoder.<adapter>}. One method's encoders
 * ({@link EncoderFactory}) per host, as PEFT allows no mix of prompt-learning types.
 */
public final class PromptLearning implements AdapterHost {

    /** Builds a method's virtual-token encoder for a config already filled from the model. */
    @FunctionalInterface
    public interface EncoderFactory {
        /**
         * The encoder of one adapter.
         *
         * @throws IllegalArgumentException when the config does not fit the model
         */
        VirtualTokenEncoder create(PromptLearningConfig config, Embedding wordEmbeddings, Block model, Random rnd);
    }

    private final Block model;
    private final EncoderFactory encoderFactory;
    private final ModuleDict<VirtualTokenEncoder> encoders = new ModuleDict<>();
    private final AdapterConfigs adapters = new AdapterConfigs();
    /** PEFT's {@code PeftModel.modules_to_save}: module-name suffixes whose copies train and are saved. */
    private final Set<String> modulesToSave = new LinkedHashSet<>();

    private boolean disabled;
    private final Embedding wordEmbeddings;
    // requires-gradient flags of the model before PEFT froze it, to give it back unchanged after a failed load
    private final Map<Parameter, Boolean> frozenBefore = new IdentityHashMap<>();

    /** Prompt learning on {@code model} with the encoders {@code encoderFactory} builds; freezes the model. */
    public PromptLearning(Block model, EncoderFactory encoderFactory) {
        this.model = model;
        this.encoderFactory = encoderFactory;
        this.wordEmbeddings = findWordEmbeddings(model);
        // PEFT's _setup_prompt_encoder freezes every parameter of the base model.
        for (Parameter p : ModuleTree.uniqueParameters(model).values()) {
            frozenBefore.put(p, p.requiresGradient());
            p.freeze(true);
        }
    }

    /**
     * PEFT's {@code word_embeddings}: the module of the backbone's first parameter with {@code vocab_size} rows. The
     * backbone is the child named by {@code base_model_prefix} ({@code model} for OPT, {@code roberta} for RoBERTa).
     */
    private static Embedding findWordEmbeddings(Block model) {
        if (!(model instanceof PreTrainedModel)) {
            throw new IllegalArgumentException(
                    "prompt learning needs a transformers-style model (a PreTrainedModel with "
                            + "a config.json and word embeddings), got "
                            + model.getClass().getSimpleName());
        }
        PreTrainedModel m = (PreTrainedModel) model;
        long vocab = m.config().toJsonNode().path("vocab_size").asLong(-1);
        String prefix = m.baseModelPrefix();
        Block backbone = ModuleTree.contains(m, prefix) ? ModuleTree.get(m, prefix) : m;
        for (Map.Entry<String, Parameter> e :
                ModuleTree.namedParameters(backbone).entrySet()) {
            Shape s = e.getValue().getShape();
            if (s != null && s.dimension() > 0 && s.get(0) == vocab) {
                Block owner = ModuleTree.get(
                        backbone, e.getKey().substring(0, e.getKey().lastIndexOf('.')));
                if (owner instanceof Embedding) {
                    return (Embedding) owner;
                }
            }
        }
        throw new IllegalArgumentException("found no word embedding with vocab_size=" + vocab + " rows in "
                + model.getClass().getSimpleName());
    }

    /** {@inheritDoc} The user's model is {@code base_model}, the encoders {@code prompt_encoder}. */
    @Override
    public Map<String, Block> peftModelChildren() {
        Map<String, Block> out = new LinkedHashMap<>();
        out.put("base_model", model);
        out.put("prompt_encoder", encoders);
        return out;
    }

    @Override
    public Block model() {
        return model;
    }

    @Override
    public Map<String, PeftConfig> configs() {
        return adapters.asMap();
    }

    @Override
    public String activeAdapter() {
        return adapters.active();
    }

    /** PEFT's {@code word_embeddings}: the embedding the virtual tokens live beside. */
    public Embedding wordEmbeddings() {
        return wordEmbeddings;
    }

    /** The encoder of adapter {@code name} (PEFT's {@code prompt_encoder[name]}). */
    public VirtualTokenEncoder encoder(String name) {
        adapters.require(name);
        return encoders.get(name);
    }

    /**
     * PEFT's {@code add_adapter} for prompt learning: fills the config from the model, builds the encoder. A later
     * adapter is not activated.
     */
    @Override
    public void addAdapter(String name, PeftConfig config, Random rnd) {
        adapters.requireNew(name);
        if (adapters.active() != null) {
            PeftType existing = adapters.activeConfig().peftType();
            if (config.peftType() != existing) {
                throw new IllegalArgumentException("Cannot combine adapters with different peft types. Found "
                        + existing + " and " + config.peftType() + ".");
            }
        }
        if (!(config instanceof PromptLearningConfig)) {
            throw new IllegalArgumentException(config.peftType() + " is not a prompt-learning method");
        }
        JsonNode modelConfig = ((PreTrainedModel) model).config().toJsonNode();
        PromptLearningConfig filled = ((PromptLearningConfig) config).withModelDefaults(modelConfig);
        // Two sets of virtual tokens, one per stack, only make sense where there are two stacks.
        if (filled.numTransformerSubmodules() != 1
                && !modelConfig.path("is_encoder_decoder").asBoolean(false)) {
            throw new IllegalArgumentException("num_transformer_submodules=" + filled.numTransformerSubmodules()
                    + " is for encoder-decoder models (SEQ_2_SEQ_LM); "
                    + model.getClass().getSimpleName()
                    + " has one stack: use 1");
        }
        // The largest weight a prompt encoder draws; a huge size is a config error, not an OutOfMemoryError.
        Initialization.drawableLength(
                new Shape(filled.totalVirtualTokens(), filled.tokenDim()),
                "num_virtual_tokens, token_dim and encoder_hidden_size");
        encoders.put(name, encoderFactory.create(filled, wordEmbeddings, model, rnd));
        adapters.add(name, filled);
        initializeEncoders();
        setAdapter(adapters.active());
    }

    /** Allocates the encoders' weights on the base model's manager once the base model has weights. */
    public void initializeEncoders() {
        NDManager owner = null;
        Parameter w = wordEmbeddings.weight();
        if (w.isInitialized()) {
            owner = w.getArray().getManager();
        }
        if (owner == null) {
            return; // counted, not allocated: initialised on the first forward or load
        }
        for (VirtualTokenEncoder e : encoders.asMap().values()) {
            e.initializeOn(owner);
        }
    }

    /** PEFT's {@code set_adapter}: the active encoder and classifier copy train (unless in inference mode). */
    @Override
    public void setAdapter(String name) {
        adapters.setActive(name);
        ModulesToSaveWrapper.find(model).values().forEach(w -> w.setAdapter(name));
        markTrainable();
    }

    /**
     * Trainable: the active adapter's encoder and its modules_to_save copies, unless its config is in inference mode
     * (a loaded adapter), where nothing trains. Everything else is frozen.
     */
    private void markTrainable() {
        String active = adapters.active();
        boolean train = !adapters.activeConfig().inferenceMode();
        encoders.asMap()
                .forEach((n, e) -> e.getParameters().values().forEach(p -> p.freeze(!(train && n.equals(active)))));
        Map<String, ModulesToSaveWrapper> wrappers = ModulesToSaveWrapper.find(model);
        for (ModulesToSaveWrapper w : wrappers.values()) {
            w.originalModule().getParameters().values().forEach(p -> p.freeze(true));
            for (String n : adapters.asMap().keySet()) {
                Block copy = w.copyFor(n);
                if (copy != null) {
                    copy.getParameters().values().forEach(p -> p.freeze(!(train && n.equals(active))));
                }
            }
        }
    }

    /**
     * PEFT's {@code _set_trainable}: wraps every module of the model whose path ends with one of {@code names} (PEFT
     * compares with {@code endswith}, no dot) in a {@link ModulesToSaveWrapper}, or adds a copy for {@code adapter}.
     */
    @Override
    public void wrapModulesToSave(String adapter, List<String> names) {
        modulesToSave.addAll(names);
        ModulesToSaveWrapper.wrapAll(model, modulesToSave, adapter);
        setAdapter(adapters.active());
    }

    /** {@inheritDoc} PEFT then runs the base model's own forward: no virtual tokens. */
    @Override
    public void enableAdapters(boolean enabled) {
        disabled = !enabled;
    }

    @Override
    public boolean adaptersDisabled() {
        return disabled;
    }

    @Override
    public void deleteAdapter(String name) {
        adapters.require(name);
        if (adapters.asMap().size() == 1) {
            throw new IllegalArgumentException("cannot delete '" + name + "', the only adapter of a prompt-learning "
                    + "model; use getBaseModel() for the model without it");
        }
        encoders.remove(name).getParameters().values().forEach(Parameter::close);
        for (ModulesToSaveWrapper w : ModulesToSaveWrapper.find(model).values()) {
            w.deleteAdapter(name);
        }
        if (adapters.remove(name)) {
            setAdapter(adapters.active());
        }
    }

    /** Puts the model back as it was: original modules instead of wrappers, requires-gradient flags restored. */
    @Override
    public void restore() {
        for (Map.Entry<String, ModulesToSaveWrapper> e :
                ModulesToSaveWrapper.find(model).entrySet()) {
            ModuleTree.replace(model, e.getKey(), e.getValue().originalModule());
        }
        frozenBefore.forEach((p, grad) -> p.freeze(!grad));
    }

    /** The active config, as a prompt-learning one. */
    public PromptLearningConfig activeConfig() {
        return (PromptLearningConfig) adapters.activeConfig();
    }

    /**
     * PEFT's {@code get_prompt} for prompt tuning and p-tuning: the virtual tokens' embeddings {@code (B, N, D)}. The
     * indices are created on {@code like}'s manager, so the result lives there too.
     */
    public NDArray prompts(ParameterStore ps, long batch, NDArray like, boolean training) {
        initializeEncoders();
        PromptLearningConfig c = activeConfig();
        return encoders.get(adapters.active()).encode(ps, indices(like, batch, c.totalVirtualTokens()), training);
    }

    /**
     * PEFT's {@code get_prompt} for prefix tuning: one {@code (key, value)} pair per layer, each {@code (B, H, P,
     * D / H)}, from the encoder's {@code (B, P, L * 2 * D)} output viewed as {@code (B, P, 2L, H, D / H)} and permuted
     * to {@code (2L, B, H, P, D / H)}: key of layer l at 2l, value at 2l + 1. For Bloom, PEFT's {@code
     * bloom_model_postprocess_past_key_value} then gives layer l the slice l as key and the slice L + l as value, and
     * views each key slice, with its head and position axes swapped, as Bloom's {@code (B * H, D / H, P)} key layout;
     * the key returned here is what Bloom then reads, in the {@code (B, H, P, D / H)} layout.
     */
    public List<NDList> pastKeyValues(ParameterStore ps, long batch, NDArray like, boolean training) {
        initializeEncoders();
        PromptLearningConfig c = activeConfig();
        int p = c.numVirtualTokens();
        int layers = c.numLayers();
        int heads = c.numAttentionHeads();
        int headDim = c.tokenDim() / heads;
        NDArray out = encoders.get(adapters.active()).encode(ps, indices(like, batch, p), training);
        NDArray kv = out.reshape(batch, p, 2L * layers, heads, headDim).transpose(2, 0, 3, 1, 4);
        // PEFT 0.10 keeps this order for every model_type but bloom, whose postprocess splits the slices in halves.
        boolean bloom = "bloom".equals(((PreTrainedModel) model).config().modelType());
        List<NDList> past = new ArrayList<>(layers);
        for (int l = 0; l < layers; l++) {
            if (bloom) {
                // (B, H, P, hd) -> transpose(2, 3) of PEFT's 5-D tensor: (B, P, H, hd), read as (B, H, hd, P) memory
                NDArray key = kv.get(l)
                        .transpose(0, 2, 1, 3)
                        .reshape(batch, heads, headDim, p)
                        .transpose(0, 1, 3, 2);
                past.add(new NDList(key, kv.get(layers + l)));
            } else {
                past.add(new NDList(kv.get(2 * l), kv.get(2 * l + 1)));
            }
        }
        return past;
    }

    /** {@code arange(n)} repeated over the batch, int64 {@code (B, n)}, on {@code like}'s manager and device. */
    private static NDArray indices(NDArray like, long batch, int n) {
        return like.getManager()
                .arange(0, n, 1, DataType.INT64, like.getDevice())
                .reshape(1, n)
                .repeat(0, batch);
    }

    /**
     * PEFT's {@code get_prompt_embedding_to_save}: in inference mode the embedding weight; otherwise the encoder's
     * output for every virtual token (for prefix tuning the first {@code num_virtual_tokens}), computed in evaluation
     * mode. A new array on {@code manager}.
     */
    private NDArray promptEmbeddingsToSave(String adapter, NDManager manager) {
        initializeEncoders();
        PromptLearningConfig c = (PromptLearningConfig) adapters.get(adapter);
        VirtualTokenEncoder e = encoders.get(adapter);
        if (!e.embedding().weight().isInitialized()) {
            throw new IllegalStateException("cannot save adapter '" + adapter + "': the base model has no weights yet "
                    + "(load or initialize it before saving)");
        }
        // In inference mode the encoder is just the embedding, so this is its weight, as PEFT saves then.
        int n = c.peftType() == PeftType.PREFIX_TUNING ? c.numVirtualTokens() : c.totalVirtualTokens();
        NDArray ids = manager.arange(
                        0,
                        n,
                        1,
                        DataType.INT64,
                        e.embedding().weight().getArray().getDevice())
                .reshape(1, n);
        ParameterStore ps = new ParameterStore(manager, false);
        return e.encode(ps, ids, false).get(0);
    }

    /** PEFT's key for the virtual tokens' embeddings of a prompt-learning adapter. */
    public static final String PROMPT_EMBEDDINGS = "prompt_embeddings";

    /**
     * {@inheritDoc} {@code prompt_embeddings} (loaded into the encoder's embedding; PEFT's {@code
     * set_peft_model_state_dict}) and the adapter's modules_to_save copies, under {@code base_model.}.
     */
    @Override
    public Map<String, Parameter> stateDict(String adapter) {
        adapters.require(adapter);
        initializeEncoders();
        Map<String, Parameter> out = new LinkedHashMap<>();
        out.put(PROMPT_EMBEDDINGS, encoders.get(adapter).embedding().weight());
        Map<String, ModulesToSaveWrapper> wrappers = ModulesToSaveWrapper.find(model);
        ModuleTree.namedParameters(model).forEach((key, p) -> {
            for (String path : wrappers.keySet()) {
                String saved = ModulesToSaveWrapper.savedCopyKey(key, path, adapter);
                if (saved != null) {
                    out.put("base_model." + saved, p);
                }
            }
        });
        return out;
    }

    /** {@inheritDoc} PEFT saves the encoder's output for every virtual token, not the encoder. */
    @Override
    public Map<String, NDArray> computedTensors(String adapter, NDManager manager) {
        return Map.of(PROMPT_EMBEDDINGS, promptEmbeddingsToSave(adapter, manager));
    }

    /** {@inheritDoc} The word embedding's manager. */
    @Override
    public NDManager weightsManager() {
        Parameter w = wordEmbeddings.weight();
        return w.isInitialized() ? w.getArray().getManager() : ModuleTree.weightsManager(model);
    }

    @Override
    public void merge(List<String> adapterNames, boolean safe) {
        throw notMergeable("mergeAdapter");
    }

    @Override
    public void unmerge() {
        throw notMergeable("unmergeAdapter");
    }

    @Override
    public Block unload(boolean merge, boolean safe) {
        throw notMergeable(merge ? "mergeAndUnload" : "unload");
    }

    private UnsupportedOperationException notMergeable(String what) {
        return new UnsupportedOperationException(
                what + " is not available for " + activeConfig().peftType()
                        + " adapters: virtual tokens cannot be merged into the base weights (PEFT has no merge for prompt "
                        + "learning either); use getBaseModel() for the model without them");
    }
}
