package ai.peft4j.tuners.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleDict;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.ParameterDict;
import ai.peft4j.nn.Scalars;
import ai.peft4j.nn.UnaryModule;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.TunerLayer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * PEFT's {@code lora.Linear}: a linear base layer plus low-rank updates,
 *
 * <pre>
 *   y = base(x) + Σ_active  B(A(dropout(x))) · scaling,   scaling = alpha / r   (alpha / √r with rsLoRA)
 * </pre>
 *
 * with {@code A: in → r} and {@code B: r → out} per adapter. Children, as in PEFT: {@code
 * base_layer}, {@code lora_dropout.<name>}, {@code lora_A.<name>}, {@code lora_B.<name>}; the base
 * layer's parameters are never trained here.
 *
 * <p>DoRA ({@code use_dora}), as PEFT 0.10 computes it: a magnitude {@code m} per output feature
 * ({@code lora_magnitude_vector.<name>}, which starts as the row norms of {@code W + scaling·B·A}),
 * and, with {@code h = dropout(x)} and {@code n = ‖W + scaling·B·A‖} per output row taken as a
 * constant (no gradient flows through it),
 *
 * <pre>
 *   y = base(x) + (m/n − 1) · (h Wᵀ) + (m/n) · B(A(h)) · scaling          (the bias is not rescaled)
 *   merged:  W' = (m/n) · (W + scaling·B·A)  per output row
 * </pre>
 *
 * <pre>{@code
 * LoraLinear l = new LoraLinear(new Linear(16, 16, true), false);
 * l.updateLayer("default", 4, 8, 0.0, LoraConfig.InitLoraWeights.TRUE, false, true, new Random(0));
 * l.magnitude("default");   // [16], the row norms of the base weight
 * }</pre>
 */
public class LoraLinear extends UnaryModule implements TunerLayer {

    /**
     * One adapter of this layer: its settings and its modules (which are also registered as the
     * children {@code lora_dropout.<name>}, {@code lora_A.<name>}, {@code lora_B.<name>}).
     *
     * @param r       the rank
     * @param alpha   {@code lora_alpha}
     * @param scaling the factor on the adapter's output: {@code alpha / r}, or {@code alpha / √r}
     *                with rsLoRA
     * @param dropout dropout on the adapter's input
     * @param a       {@code lora_A}, {@code in → r}
     * @param b       {@code lora_B}, {@code r → out}
     * @param magnitude DoRA's magnitude vector {@code [out]}, or null for plain LoRA
     */
    public record Adapter(
            int r, double alpha, double scaling, Dropout dropout, Linear a, Linear b, Parameter magnitude) {

        /** Whether this adapter is a DoRA adapter. */
        public boolean useDora() {
            return magnitude != null;
        }

        /** The adapter's trainable weights: A, B and, with DoRA, the magnitude (initialized in this order). */
        List<Parameter> weights() {
            return magnitude == null ? List.of(a.weight(), b.weight()) : List.of(a.weight(), b.weight(), magnitude);
        }
    }

    private final long inFeatures;
    private final long outFeatures;
    private final boolean fanInFanOut;
    private final ModuleDict<Dropout> loraDropout;
    private final ModuleDict<Linear> loraA;
    private final ModuleDict<Linear> loraB;
    private ParameterDict loraMagnitude; // created with the first DoRA adapter, as PEFT's is
    private final Map<String, Adapter> adapters = new LinkedHashMap<>();
    /** DoRA: the row norms each merged adapter was merged with, which unmerge divides back by. */
    private final Map<String, NDArray> mergeNorms = new LinkedHashMap<>();

    private List<String> active = new ArrayList<>();
    private final List<String> merged = new ArrayList<>();
    private boolean disabled;

    /**
     * Wraps {@code base}: a toolkit {@link Linear}, an initialized DJL {@code Linear}, or (with
     * {@code fanInFanOut}) a {@link ai.peft4j.nn.Conv1D}.
     *
     * @param fanInFanOut whether the base stores its weight as {@code [in, out]} (GPT-2's Conv1D)
     */
    public LoraLinear(Block base, boolean fanInFanOut) {
        Shape w = ModuleTree.shapeOf("base_layer.weight", weightOf(base));
        this.fanInFanOut = fanInFanOut;
        this.outFeatures = fanInFanOut ? w.get(1) : w.get(0);
        this.inFeatures = fanInFanOut ? w.get(0) : w.get(1);
        addModule("base_layer", base);
        loraDropout = addModule("lora_dropout", new ModuleDict<>());
        loraA = addModule("lora_A", new ModuleDict<>());
        loraB = addModule("lora_B", new ModuleDict<>());
    }

    /** The weight parameter of a linear-like block. */
    static Parameter weightOf(Block linear) {
        Parameter p = ModuleTree.directParameters(linear).get("weight");
        if (p == null) {
            throw new IllegalArgumentException("LoRA needs a layer with a 'weight' parameter, got "
                    + linear.getClass().getName());
        }
        return p;
    }

    /**
     * Adds adapter {@code name}. Its weights are created at once when the base weight exists,
     * otherwise when the model is initialized.
     */
    public void updateLayer(
            String name,
            int r,
            double loraAlpha,
            double dropout,
            LoraConfig.InitLoraWeights init,
            boolean useRslora,
            Random rnd) {
        updateLayer(name, r, loraAlpha, dropout, init, useRslora, false, rnd);
    }

    /**
     * Adds adapter {@code name}, a DoRA adapter when {@code useDora}: its magnitude vector starts as
     * the row norms of {@code W + scaling·B·A}, so a new DoRA adapter computes as the plain LoRA one.
     */
    public void updateLayer(
            String name,
            int r,
            double loraAlpha,
            double dropout,
            LoraConfig.InitLoraWeights init,
            boolean useRslora,
            boolean useDora,
            Random rnd) {
        if (r <= 0) {
            throw new IllegalArgumentException("`r` should be a positive integer value but the value passed is " + r);
        }
        if (adapters.containsKey(name)) {
            throw new IllegalArgumentException("adapter '" + name + "' already exists in this layer");
        }
        Linear a = new Linear(inFeatures, r, false);
        Linear b = new Linear(r, outFeatures, false);
        LoraInit.attach(init, a, b, r, rnd);
        double scale = useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
        Parameter magnitude = null;
        if (useDora) {
            if (loraMagnitude == null) {
                loraMagnitude = addModule("lora_magnitude_vector", new ParameterDict());
            }
            magnitude = loraMagnitude.put(name, new Shape(outFeatures));
            // Runs after A and B have values (weights() lists it last).
            magnitude.setInitializer((manager, shape, dataType) -> {
                NDArray w = weightOf(baseLayer()).getArray();
                try (NDManager scope = w.getManager().newSubManager()) {
                    NDArray norm =
                            weightNorm(w, a.weight().getArray(), b.weight().getArray(), scale, scope);
                    NDArray out = norm.toType(dataType, false).duplicate();
                    out.attach(manager);
                    return out;
                }
            });
        }
        Adapter adapter = new Adapter(r, loraAlpha, scale, new Dropout(dropout), a, b, magnitude);
        Parameter baseWeight = weightOf(baseLayer());
        if (baseWeight.isInitialized()) {
            NDManager owner = baseWeight.getArray().getManager();
            adapter.weights()
                    .forEach(p -> p.initialize(owner, baseWeight.getArray().getDataType()));
        }
        loraDropout.put(name, adapter.dropout());
        loraA.put(name, a);
        loraB.put(name, b);
        adapters.put(name, adapter);
    }

    /** {@inheritDoc} */
    @Override
    public Block baseLayer() {
        return module("base_layer");
    }

    public long inFeatures() {
        return inFeatures;
    }

    public long outFeatures() {
        return outFeatures;
    }

    /** Whether the base weight is stored {@code [in, out]} (Conv1D), so deltas are transposed. */
    public boolean fanInFanOut() {
        return fanInFanOut;
    }

    /** Adapter {@code name}'s settings and modules. */
    public Adapter adapter(String name) {
        Adapter a = adapters.get(name);
        if (a == null) {
            throw new IllegalArgumentException(
                    "no adapter '" + name + "' in this layer; adapters: " + adapters.keySet());
        }
        return a;
    }

    /** The rank of adapter {@code name}. */
    public int r(String name) {
        return adapter(name).r();
    }

    /** The scaling factor applied to adapter {@code name}'s output. */
    public double scaling(String name) {
        return adapter(name).scaling();
    }

    /** The A matrix layer ({@code in → r}) of adapter {@code name}. */
    public Linear loraA(String name) {
        return adapter(name).a();
    }

    /** The B matrix layer ({@code r → out}) of adapter {@code name}. */
    public Linear loraB(String name) {
        return adapter(name).b();
    }

    /** DoRA's magnitude vector {@code [out]} of adapter {@code name}, or null for a plain LoRA adapter. */
    public Parameter magnitude(String name) {
        return adapter(name).magnitude();
    }

    /** Whether adapter {@code name} is a DoRA adapter. */
    public boolean useDora(String name) {
        return adapter(name).useDora();
    }

    /**
     * PEFT's {@code _get_weight_norm}: the L2 norm of each output row of {@code W + scaling·B·A},
     * {@code [out]}. {@code w} is the base weight as stored ({@code [in, out]} with fan_in_fan_out, then
     * transposed here so that the norm is still per output feature).
     */
    private NDArray weightNorm(NDArray w, NDArray a, NDArray b, double scaling, NDManager scope) {
        scope.tempAttachAll(w, a, b);
        NDArray rows = fanInFanOut ? w.transpose() : w;
        return rows.add(b.matMul(a).mul(scaling)).norm(new int[] {1});
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> adapterNames() {
        return Collections.unmodifiableSet(adapters.keySet());
    }

    /** {@inheritDoc} */
    @Override
    public List<String> activeAdapters() {
        return List.copyOf(active);
    }

    /** {@inheritDoc} */
    @Override
    public void setActiveAdapters(List<String> names) {
        active = new ArrayList<>(names);
        adapters.forEach((n, a) -> a.weights().forEach(p -> p.freeze(!active.contains(n))));
    }

    /** {@inheritDoc} */
    @Override
    public void setAdaptersEnabled(boolean enabled) {
        disabled = !enabled;
    }

    /** {@inheritDoc} */
    @Override
    public boolean adaptersDisabled() {
        return disabled;
    }

    /** {@inheritDoc} */
    @Override
    public void deleteAdapter(String name) {
        adapter(name);
        if (merged.contains(name)) {
            throw new IllegalStateException("adapter '" + name + "' is merged; unmerge before deleting it");
        }
        for (ModuleDict<?> d : List.of(loraDropout, loraA, loraB)) {
            Block removed = d.remove(name);
            removed.getParameters().values().forEach(Parameter::close);
        }
        if (adapters.get(name).useDora()) {
            loraMagnitude.remove(name).close();
        }
        adapters.remove(name);
        active.remove(name);
    }

    /**
     * {@code B·A·scaling}, shaped like the base weight ({@code [out, in]}, or {@code [in, out]} with
     * fan_in_fan_out), as a new array on {@code into}.
     */
    public NDArray deltaWeight(String name, NDManager into) {
        Adapter adapter = adapter(name);
        NDArray a = adapter.a().weight().getArray();
        NDArray b = adapter.b().weight().getArray();
        try (NDManager scope = into.newSubManager()) {
            scope.tempAttachAll(a, b);
            NDArray delta = b.matMul(a).mul(adapter.scaling()); // [out, in], lives on scope
            if (fanInFanOut) {
                delta = delta.transpose();
            }
            NDArray out = delta.duplicate();
            out.attach(into);
            return out;
        }
    }

    /** {@inheritDoc} */
    @Override
    public void merge(List<String> names, boolean safe) {
        NDArray w = weightOf(baseLayer()).getArray();
        for (String name : names) {
            if (!adapters.containsKey(name)) {
                continue;
            }
            if (merged.contains(name)) {
                throw new IllegalStateException("adapter '" + name + "' is already merged");
            }
            Adapter adapter = adapters.get(name);
            try (NDManager scope = w.getManager().newSubManager()) {
                NDArray delta = deltaWeight(name, scope);
                NDArray mergedWeight = delta.add(w);
                NDArray norm = null;
                if (adapter.useDora()) {
                    // PEFT computes the norm from the weights as they are now and keeps it for unmerge.
                    NDArray rows = fanInFanOut ? mergedWeight.transpose() : mergedWeight;
                    norm = rows.norm(new int[] {1});
                    mergedWeight = mergedWeight.mul(doraFactor(adapter, norm, scope));
                }
                if (safe
                        && (mergedWeight.isNaN().any().getBoolean()
                                || mergedWeight.isInfinite().any().getBoolean())) {
                    throw new IllegalStateException("NaNs or infinities detected in the merged weights; adapter '"
                            + name + "' seems to be broken, nothing was merged");
                }
                if (norm != null) {
                    NDArray kept = norm.duplicate();
                    kept.attach(w.getManager());
                    mergeNorms.put(name, kept);
                }
                Weights.copyInto(w, mergedWeight);
            }
            merged.add(name);
        }
    }

    /** {@inheritDoc} */
    @Override
    public void unmerge() {
        NDArray w = weightOf(baseLayer()).getArray();
        while (!merged.isEmpty()) {
            String name = merged.remove(merged.size() - 1);
            Adapter adapter = adapters.get(name);
            try (NDManager scope = w.getManager().newSubManager()) {
                NDArray delta = deltaWeight(name, scope);
                if (adapter.useDora()) {
                    NDArray norm = mergeNorms.remove(name);
                    scope.attachAll(norm);
                    NDArray original = w.div(doraFactor(adapter, norm, scope)).sub(delta);
                    Weights.copyInto(w, original);
                } else {
                    w.subi(delta);
                }
            }
        }
    }

    /**
     * {@code m / norm} shaped to scale the base weight's output rows: {@code [out, 1]}, or {@code [1,
     * out]} with fan_in_fan_out.
     */
    private NDArray doraFactor(Adapter adapter, NDArray norm, NDManager scope) {
        NDArray m = adapter.magnitude().getArray();
        scope.tempAttachAll(m);
        NDArray factor = m.div(norm);
        return fanInFanOut ? factor.reshape(1, -1) : factor.reshape(-1, 1);
    }

    /** {@inheritDoc} */
    @Override
    public List<String> mergedAdapters() {
        return List.copyOf(merged);
    }

    /** {@code (..., in) -> (..., out)}. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        if (disabled && isMerged()) {
            unmerge();
        }
        NDArray result = call("base_layer", ps, training, x);
        if (disabled || isMerged()) {
            return result;
        }
        for (String name : active) {
            Adapter adapter = adapters.get(name);
            if (adapter == null) {
                continue;
            }
            NDArray h = adapter.dropout().forward(x, training);
            NDArray update = adapter.b().forward(ps, adapter.a().forward(ps, h, training), training);
            if (adapter.useDora()) {
                result = result.add(doraUpdate(ps, adapter, h, update, training));
            } else {
                result = result.add(Scalars.mul(update, adapter.scaling()));
            }
        }
        return result;
    }

    /**
     * PEFT 0.10's {@code _apply_dora} on the dropped-out input {@code h}, given {@code B(A(h))}: {@code
     * (m/n − 1)·(h Wᵀ) + (m/n)·B(A(h))·scaling}, with the norm {@code n} detached from the graph.
     */
    private NDArray doraUpdate(ParameterStore ps, Adapter adapter, NDArray h, NDArray loraOut, boolean training) {
        NDArray w = value(ps, weightOf(baseLayer()), h, training);
        NDArray rows = fanInFanOut ? w.transpose() : w; // [out, in]
        NDArray a = value(ps, adapter.a().weight(), h, training);
        NDArray b = value(ps, adapter.b().weight(), h, training);
        NDArray norm =
                rows.add(b.matMul(a).mul(adapter.scaling())).norm(new int[] {1}).stopGradient();
        NDArray scale = value(ps, adapter.magnitude(), h, training).div(norm); // [out], broadcasts on the last axis
        NDArray baseOut = h.matMul(rows.transpose());
        return scale.sub(1).mul(baseOut).add(scale.mul(Scalars.mul(loraOut, adapter.scaling())));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return baseLayer().getOutputShapes(inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    public void initialize(NDManager manager, ai.djl.ndarray.types.DataType dataType, Shape... shapes) {
        // The base layer was built (and for DJL blocks initialized) before wrapping.
        baseLayer().initialize(manager, dataType, shapes);
        adapters.values().forEach(a -> a.weights().forEach(p -> p.initialize(manager, dataType)));
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        adapters.forEach((n, a) -> ranks.put(n, a.r()));
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", r=" + ranks;
    }
}
