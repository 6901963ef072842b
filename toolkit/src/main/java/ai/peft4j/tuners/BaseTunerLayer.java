package ai.peft4j.tuners;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.ModuleDict;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.ParameterDict;
import ai.peft4j.nn.UnaryModule;
import ai.peft4j.nn.Weights;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The bookkeeping every {@link TunerLayer} shares, as PEFT's {@code BaseTunerLayer} holds it: the base layer as
 * the child {@code base_layer}, the adapters by name, which are active, which are merged, whether adapters are
 * switched off, and the children keyed by adapter name ({@code lora_A.<name>}, {@code ia3_l.<name>}) that
 * deleting an adapter empties. A method's layer adds its adapters ({@link #addAdapter}) and says how one
 * adapter merges, unmerges and computes; switching, freezing, deleting, the merge order and the forward of a
 * disabled or merged layer are done here once.
 *
 * <pre>{@code
 * class ScaleLayer extends BaseTunerLayer<Parameter> {   // y = base(x) · s
 *   ScaleLayer(Block base) { super(base, false); scales = addAdapterModule("scale", new ParameterDict()); }
 *   ...
 * }
 * }</pre>
 *
 * @param <A> what the layer keeps per adapter (its settings and weights)
 */
public abstract class BaseTunerLayer<A> extends UnaryModule implements TunerLayer {

    private final Map<String, A> adapters = new LinkedHashMap<>();
    /** The children that hold one entry per adapter; deleting an adapter removes its entries. */
    private final List<ModuleBlock> perAdapterModules = new ArrayList<>();

    private final long inFeatures;
    private final long outFeatures;
    private List<String> active = new ArrayList<>();
    private final List<String> merged = new ArrayList<>();
    private boolean disabled;

    /**
     * Registers {@code base} as {@code base_layer}; its parameters are never trained here.
     *
     * @param weightInOut whether the base stores its weight as {@code [in, out]} (GPT-2's Conv1D, an embedding
     *     table) rather than {@code [out, in]}
     * @throws IllegalArgumentException when the base has no {@code weight}
     */
    protected BaseTunerLayer(Block base, boolean weightInOut) {
        Shape w = ModuleTree.shapeOf("base_layer.weight", weightOf(base));
        outFeatures = weightInOut ? w.get(1) : w.get(0);
        inFeatures = weightInOut ? w.get(0) : w.get(1);
        addModule("base_layer", base);
    }

    /** PEFT's {@code in_features}: the base layer's input size (an embedding's {@code num_embeddings}). */
    public final long inFeatures() {
        return inFeatures;
    }

    /** PEFT's {@code out_features}: the base layer's output size (an embedding's {@code embedding_dim}). */
    public final long outFeatures() {
        return outFeatures;
    }

    /**
     * Registers a child keyed by adapter name (a {@link ModuleDict} or {@link ParameterDict}), whose entry for an
     * adapter is removed when the adapter is deleted.
     */
    protected final <D extends ModuleBlock> D addAdapterModule(String name, D dict) {
        if (!(dict instanceof ModuleDict) && !(dict instanceof ParameterDict)) {
            throw new IllegalArgumentException("a per-adapter child must be a ModuleDict or a ParameterDict");
        }
        perAdapterModules.add(dict);
        return addModule(name, dict);
    }

    /** The weight parameter of a linear-like (or embedding) block. */
    protected static Parameter weightOf(Block layer) {
        Parameter p = ModuleTree.directParameters(layer).get("weight");
        if (p == null) {
            throw new IllegalArgumentException("a tuner layer needs a base layer with a 'weight' parameter, got "
                    + layer.getClass().getName());
        }
        return p;
    }

    /** The base layer's weight. */
    protected final Parameter baseWeight() {
        return weightOf(baseLayer());
    }

    /** Refuses a rank below 1 with PEFT's message. */
    protected static void requirePositiveRank(int r) {
        if (r <= 0) {
            throw new IllegalArgumentException("`r` should be a positive integer value but the value passed is " + r);
        }
    }

    /** Refuses a name this layer already holds. */
    protected final void requireNewAdapter(String name) {
        if (adapters.containsKey(name)) {
            throw new IllegalArgumentException("adapter '" + name + "' already exists in this layer");
        }
    }

    /**
     * Records adapter {@code name}; a subclass calls this once its weights are declared. The weights are
     * allocated at once when the base weight has a value, otherwise when the model is initialized.
     */
    protected final void addAdapter(String name, A adapter) {
        requireNewAdapter(name);
        adapters.put(name, adapter);
        try {
            initializeIfReady(name);
        } catch (RuntimeException e) {
            deleteAdapter(name); // a failed add leaves the layer as it was
            throw e;
        }
    }

    /** Allocates adapter {@code name}'s weights on the base weight's manager, if the base weight has a value. */
    protected final void initializeIfReady(String name) {
        Parameter w = baseWeight();
        if (w.isInitialized()) {
            NDArray value = w.getArray();
            adapterWeights(name).forEach(p -> p.initialize(value.getManager(), value.getDataType()));
        }
    }

    /**
     * What this layer keeps for adapter {@code name}.
     *
     * @throws IllegalArgumentException when it has no such adapter
     */
    protected final A adapterState(String name) {
        A a = adapters.get(name);
        if (a == null) {
            throw new IllegalArgumentException(
                    "no adapter '" + name + "' in this layer; adapters: " + adapters.keySet());
        }
        return a;
    }

    /** The active adapters this layer holds, by name, in activation order. */
    protected final Map<String, A> activeStates() {
        Map<String, A> out = new LinkedHashMap<>();
        for (String name : active) {
            A a = adapters.get(name);
            if (a != null) {
                out.put(name, a);
            }
        }
        return out;
    }

    /** {@code f} of each adapter, by name (for {@link #extraRepr}). */
    protected final <V> Map<String, V> perAdapter(Function<A, V> f) {
        Map<String, V> out = new LinkedHashMap<>();
        adapters.forEach((n, a) -> out.put(n, f.apply(a)));
        return out;
    }

    /** Adapter {@code name}'s trainable weights, in the order they are initialized. */
    public abstract List<Parameter> adapterWeights(String name);

    /**
     * PEFT's {@code get_delta_weight}: what adapter {@code name} adds to the base weight, shaped like it, as a new
     * array on {@code into}. Layers whose adapters are not additive (IA3 scales) do not have one.
     */
    public NDArray deltaWeight(String name, NDManager into) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " adapters do not add a weight change");
    }

    /**
     * Adds adapter {@code name}'s change into the base weights; with {@code safe}, checks the result before any
     * write. By default the base weight becomes {@code W + deltaWeight}.
     */
    protected void mergeAdapter(String name, A adapter, boolean safe) {
        NDArray w = baseWeight().getArray();
        try (NDManager scope = w.getManager().newSubManager()) {
            NDArray sum = deltaWeight(name, scope).add(w);
            if (safe) {
                requireFinite(sum, name);
            }
            Weights.copyInto(w, sum);
        }
    }

    /** Takes adapter {@code name}'s change, merged by {@link #mergeAdapter}, back out of the base weights. */
    protected void unmergeAdapter(String name, A adapter) {
        NDArray w = baseWeight().getArray();
        try (NDManager scope = w.getManager().newSubManager()) {
            w.subi(deltaWeight(name, scope));
        }
    }

    /** The forward with the active adapters taking part (the layer is neither disabled nor merged). */
    protected abstract NDArray adaptedForward(ParameterStore ps, NDArray x, boolean training);

    /**
     * For a safe merge: refuses weights with NaN or infinity (PEFT's message), before anything is written.
     *
     * @throws IllegalStateException when {@code mergedWeight} is not all finite
     */
    protected static void requireFinite(NDArray mergedWeight, String adapter) {
        if (mergedWeight.isNaN().any().getBoolean()
                || mergedWeight.isInfinite().any().getBoolean()) {
            throw new IllegalStateException("NaNs detected in the merged weights. The adapter " + adapter
                    + " seems to be broken; nothing was merged");
        }
    }

    /** Runs {@code compute} in a scope below {@code into}; its result comes back as a new array on {@code into}. */
    protected static NDArray computeOn(NDManager into, Function<NDManager, NDArray> compute) {
        try (NDManager scope = into.newSubManager()) {
            NDArray out = compute.apply(scope).duplicate();
            out.attach(into);
            return out;
        }
    }

    /** {@inheritDoc} */
    @Override
    public final Block baseLayer() {
        return module("base_layer");
    }

    /** {@inheritDoc} */
    @Override
    public final Set<String> adapterNames() {
        return Collections.unmodifiableSet(adapters.keySet());
    }

    /** {@inheritDoc} */
    @Override
    public final List<String> activeAdapters() {
        return List.copyOf(active);
    }

    /** {@inheritDoc} */
    @Override
    public final void setActiveAdapters(List<String> names) {
        active = new ArrayList<>(names);
        for (String n : adapters.keySet()) {
            adapterWeights(n).forEach(p -> p.freeze(!active.contains(n)));
        }
    }

    /** {@inheritDoc} */
    @Override
    public final void setAdaptersEnabled(boolean enabled) {
        disabled = !enabled;
    }

    /** {@inheritDoc} */
    @Override
    public final boolean adaptersDisabled() {
        return disabled;
    }

    /** {@inheritDoc} Its entries leave every per-adapter child and its weights are freed. */
    @Override
    public final void deleteAdapter(String name) {
        adapterState(name);
        if (merged.contains(name)) {
            throw new IllegalStateException("adapter '" + name + "' is merged; unmerge before deleting it");
        }
        List<Parameter> weights = adapterWeights(name);
        discardDeclared(name);
        weights.forEach(Parameter::close);
        adapters.remove(name);
        active.remove(name);
    }

    /**
     * Removes what was declared for adapter {@code name} in the per-adapter modules, for a subclass whose
     * {@code updateLayer} fails before {@link #addAdapter}: the layer is then as it was, and the name free again.
     */
    protected final void discardDeclared(String name) {
        for (ModuleBlock dict : perAdapterModules) {
            if (dict instanceof ModuleDict) {
                ModuleDict<?> d = (ModuleDict<?>) dict;
                if (d.containsKey(name)) {
                    d.remove(name);
                }
            } else {
                ParameterDict d = (ParameterDict) dict;
                if (d.containsKey(name)) {
                    d.remove(name);
                }
            }
        }
    }

    /** {@inheritDoc} Names this layer does not hold are skipped. */
    @Override
    public final void merge(List<String> names, boolean safe) {
        for (String name : names) {
            A adapter = adapters.get(name);
            if (adapter == null) {
                continue;
            }
            if (merged.contains(name)) {
                throw new IllegalStateException("adapter '" + name + "' is already merged");
            }
            mergeAdapter(name, adapter, safe);
            merged.add(name);
        }
    }

    /** {@inheritDoc} The last merged first. */
    @Override
    public final void unmerge() {
        while (!merged.isEmpty()) {
            String name = merged.remove(merged.size() - 1);
            unmergeAdapter(name, adapters.get(name));
        }
    }

    /** {@inheritDoc} */
    @Override
    public final List<String> mergedAdapters() {
        return List.copyOf(merged);
    }

    /**
     * The base layer's output when adapters are off or merged (a disabled layer unmerges first, as PEFT does),
     * else {@link #adaptedForward}.
     */
    @Override
    public final NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        if (disabled && isMerged()) {
            unmerge();
        }
        if (disabled || isMerged()) {
            return call("base_layer", ps, training, x);
        }
        return adaptedForward(ps, x, training);
    }

    /** {@inheritDoc} The base layer's. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return baseLayer().getOutputShapes(inputShapes);
    }

    /** {@inheritDoc} The base layer (built, for DJL blocks initialized, before wrapping), then the adapters. */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... shapes) {
        baseLayer().initialize(manager, dataType, shapes);
        adapters.keySet().forEach(n -> adapterWeights(n).forEach(p -> p.initialize(manager, dataType)));
    }
}
