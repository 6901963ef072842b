package ai.peft4j.models;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.peft4j.nn.Conv1D;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.LayerNorm;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.RmsNorm;
import ai.peft4j.nn.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A Hugging Face architecture: a module tree built from a {@link PretrainedConfig}, whose weights
 * come from a checkpoint directory or a seeded generator and live on the model's own {@link
 * NDManager} until {@link #close()}.
 *
 * <p>Building the model allocates nothing, so a configuration as large as a 70B model can be
 * described and counted ({@link ModuleTree#countParameters}) at once.
 */
public abstract class PreTrainedModel extends ModuleBlock implements AutoCloseable {

    private final PretrainedConfig config;
    private NDManager manager;
    private boolean training;
    private String nameOrPath;
    private String baseModelPrefix;
    private final List<String> taskHeads = new ArrayList<>();

    protected PreTrainedModel(PretrainedConfig config) {
        this.config = config;
        this.nameOrPath = config.toJsonNode().path("_name_or_path").asText(null);
    }

    /**
     * Where the model came from (transformers' {@code name_or_path}): the directory it was loaded
     * from, or the model id in its config. PEFT records it as {@code base_model_name_or_path}.
     */
    public String nameOrPath() {
        return nameOrPath;
    }

    /** Records where the model came from. */
    public void setNameOrPath(String nameOrPath) {
        this.nameOrPath = nameOrPath;
    }

    /** The configuration this model was built from. */
    public PretrainedConfig config() {
        return config;
    }

    /**
     * Adds the bare model ({@code OPTModel}, {@code BertModel}, ...) under {@code prefix}, which becomes {@link
     * #baseModelPrefix()}, and returns it.
     */
    protected final <B extends Block> B addBaseModel(String prefix, B baseModel) {
        baseModelPrefix = prefix;
        return addModule(prefix, baseModel);
    }

    /**
     * Adds a task head under {@code name} and returns it: PEFT trains it in full ({@code modules_to_save}), and a
     * checkpoint of the bare model lacks it (see {@link #taskHeadPrefixes()}).
     */
    protected final <B extends Block> B addTaskHead(String name, B head) {
        taskHeads.add(name);
        return addModule(name, head);
    }

    /** The name of the first task head added ({@code "classifier"}, {@code "qa_outputs"}). */
    protected final String taskHeadName() {
        if (taskHeads.isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + " added no task head");
        }
        return taskHeads.get(0);
    }

    /** The attribute under which the bare model sits ({@code "model"} for OPT), as added by {@link #addBaseModel}. */
    public String baseModelPrefix() {
        if (baseModelPrefix == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " added no base model");
        }
        return baseModelPrefix;
    }

    /** The bare model under {@link #baseModelPrefix()} (transformers' {@code base_model}). */
    public Block baseModel() {
        return module(baseModelPrefix());
    }

    /**
     * Turns gradient checkpointing on or off (transformers' {@code gradient_checkpointing_enable()} and {@code
     * gradient_checkpointing_disable()}): training steps keep only each layer's input and recompute the layers in
     * backward, for far less activation memory at the cost of about one more forward pass. Training steps must run
     * inside a {@link GradientCheckpointing} step, as {@code PeftTrainer} does.
     *
     * <pre>{@code
     * OptForCausalLM lm = OptForCausalLM.fromPretrained(dir);
     * lm.gradientCheckpointing(true);
     * PeftModel peft = Peft.lora().r(16).targets("q_proj", "v_proj").apply(lm);
     * PeftTrainer.builder(peft).trainData(data).build().train();
     * }</pre>
     *
     * @throws UnsupportedOperationException when enabling it on a model that does not support it (see {@link
     *     #supportsGradientCheckpointing()})
     */
    public PreTrainedModel gradientCheckpointing(boolean enable) {
        if (supportsGradientCheckpointing()) {
            ((DecoderModel) baseModel()).gradientCheckpointing(enable);
        } else if (enable) {
            throw new UnsupportedOperationException(getClass().getSimpleName()
                    + " does not support gradient checkpointing (only causal LMs built on a DecoderModel do)");
        }
        return this;
    }

    /** Whether {@link #gradientCheckpointing(boolean)} is on (transformers' {@code is_gradient_checkpointing}). */
    public boolean isGradientCheckpointing() {
        return supportsGradientCheckpointing() && ((DecoderModel) baseModel()).isGradientCheckpointing();
    }

    /** Whether this model can checkpoint its layers (transformers' {@code supports_gradient_checkpointing}). */
    public boolean supportsGradientCheckpointing() {
        return baseModelPrefix != null && baseModel() instanceof DecoderModel;
    }

    /**
     * The token embedding ({@code get_input_embeddings()}), for building {@code inputs_embeds}: the base model's.
     *
     * @throws UnsupportedOperationException when the base model has no single token embedding
     */
    public Embedding inputEmbeddings() {
        if (baseModel() instanceof BaseModel base) {
            return base.inputEmbeddings();
        }
        throw new UnsupportedOperationException(getClass().getSimpleName() + " names no input embedding");
    }

    /**
     * Path prefixes of the task heads (e.g. {@code "classifier."}, see {@link #addTaskHead}) that a checkpoint of the
     * bare model lacks; loading such a checkpoint creates them fresh, with a warning, as transformers does.
     */
    public List<String> taskHeadPrefixes() {
        return taskHeads.stream().map(name -> name + ".").toList();
    }

    /** The manager that owns this model's weights, created on first use. */
    public synchronized NDManager manager() {
        if (manager == null) {
            manager = NDManager.newBaseManager();
            manager.setName(getClass().getSimpleName());
        }
        return manager;
    }

    /** Whether dropout is active in the convenience forward methods (PyTorch's {@code training}). */
    public boolean isTraining() {
        return training;
    }

    /** Switches to training mode (dropout on) and returns this. */
    public PreTrainedModel train() {
        training = true;
        return this;
    }

    /** Switches to evaluation mode (dropout off) and returns this. */
    public PreTrainedModel eval() {
        training = false;
        return this;
    }

    /**
     * Fills every parameter from a Java generator seeded with {@code seed}, following transformers'
     * init: linear and embedding weights N(0, init_std²) (the padding row zero), biases 0, layer
     * norms 1 and 0. Used for demos and tests; the resulting model knows nothing.
     */
    public PreTrainedModel initWeights(long seed) {
        double std = initializerRange();
        Random rnd = new Random(seed);
        NDManager m = manager();
        for (Map.Entry<String, Block> e : ModuleTree.namedModules(this).entrySet()) {
            Block b = e.getValue();
            String path = e.getKey();
            if (b instanceof Linear) {
                Linear l = (Linear) b;
                fill(
                        path + ".weight",
                        l.weight(),
                        () -> Weights.normal(m, l.weight().getShape(), 0, std, rnd));
                if (l.bias() != null) {
                    fill(path + ".bias", l.bias(), () -> m.zeros(l.bias().getShape()));
                }
            } else if (b instanceof Embedding) {
                Embedding emb = (Embedding) b;
                fill(path + ".weight", emb.weight(), () -> {
                    var w = Weights.normal(m, emb.weight().getShape(), 0, std, rnd);
                    if (emb.paddingIdx() != null) {
                        w.set(new ai.djl.ndarray.index.NDIndex(emb.paddingIdx()), 0f);
                    }
                    return w;
                });
            } else if (b instanceof Conv1D) {
                Conv1D c = (Conv1D) b;
                fill(
                        path + ".weight",
                        c.weight(),
                        () -> Weights.normal(m, c.weight().getShape(), 0, std, rnd));
                fill(path + ".bias", c.bias(), () -> m.zeros(c.bias().getShape()));
            } else if (b instanceof RmsNorm) {
                RmsNorm norm = (RmsNorm) b;
                fill(
                        path + ".weight",
                        norm.weight(),
                        () -> norm.unitOffset() // Gemma's 1 + w starts at w = 0
                                ? m.zeros(norm.weight().getShape())
                                : m.ones(norm.weight().getShape()));
            } else if (b instanceof LayerNorm) {
                LayerNorm ln = (LayerNorm) b;
                if (ln.weight() != null) {
                    fill(path + ".weight", ln.weight(), () -> m.ones(ln.weight().getShape()));
                    fill(path + ".bias", ln.bias(), () -> m.zeros(ln.bias().getShape()));
                }
            }
        }
        ModuleTree.uniqueParameters(this).forEach((k, p) -> {
            if (!p.isInitialized()) {
                throw new IllegalStateException("no initializer for parameter '" + k + "'");
            }
        });
        return this;
    }

    /** The standard deviation of the weight init: the config's {@link PretrainedConfig#initializerRange()}. */
    protected double initializerRange() {
        return config.initializerRange();
    }

    private void fill(String key, Parameter p, java.util.function.Supplier<ai.djl.ndarray.NDArray> v) {
        if (!p.isInitialized()) { // a tied parameter is filled once
            Weights.assign(key, p, v.get(), manager());
        }
    }

    /**
     * Loads weights from a checkpoint directory ({@code model.safetensors} or a sharded set with
     * {@code model.safetensors.index.json}). Keys and shapes are checked before anything is
     * written, so a failed load leaves the model as it was.
     *
     * @throws WeightLoadException naming missing keys and mismatched shapes
     */
    public void loadWeights(Path dir) {
        WeightLoader.load(this, dir);
        nameOrPath = dir.toString();
    }

    /**
     * Loads {@code dir}'s weights into a freshly built {@code model} and returns it; when that
     * fails, the model's memory is released before the error goes on.
     */
    public static <M extends PreTrainedModel> M withWeightsFrom(M model, Path dir) {
        try {
            model.loadWeights(dir);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Draws seeded random weights into a freshly built {@code model} ({@link #initWeights}) and returns it. */
    public static <M extends PreTrainedModel> M withSeededWeights(M model, long seed) {
        model.initWeights(seed);
        return model;
    }

    /**
     * Writes an HF-format directory: {@code config.json} and {@code model.safetensors} (tied
     * weights stored once, under their first key), each file written atomically.
     */
    public void savePretrained(Path dir) {
        WeightLoader.save(this, dir);
        config.save(dir);
    }

    /** Frees the weights. */
    @Override
    public synchronized void close() {
        if (manager != null) {
            manager.close();
            manager = null;
        }
    }
}
