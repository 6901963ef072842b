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
import ai.peft4j.nn.ParameterDict;
import ai.peft4j.nn.Scalars;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.BaseTunerLayer;
import ai.peft4j.tuners.MixedBatch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

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
public class LoraLinear extends BaseTunerLayer<LoraLinear.Adapter> implements LoraLayer {

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

    private final boolean fanInFanOut;
    private final ModuleDict<Dropout> loraDropout;
    private final ModuleDict<Linear> loraA;
    private final ModuleDict<Linear> loraB;
    private ParameterDict loraMagnitude; // created with the first DoRA adapter, as PEFT's is
    /** DoRA: the row norms each merged adapter was merged with, which unmerge divides back by. */
    private final Map<String, NDArray> mergeNorms = new LinkedHashMap<>();

    /**
     * Wraps {@code base}: a toolkit {@link Linear}, an initialized DJL {@code Linear}, or (with
     * {@code fanInFanOut}) a {@link ai.peft4j.nn.Conv1D}.
     *
     * @param fanInFanOut whether the base stores its weight as {@code [in, out]} (GPT-2's Conv1D)
     */
    public LoraLinear(Block base, boolean fanInFanOut) {
        super(base, fanInFanOut);
        this.fanInFanOut = fanInFanOut;
        loraDropout = addAdapterModule("lora_dropout", new ModuleDict<>());
        loraA = addAdapterModule("lora_A", new ModuleDict<>());
        loraB = addAdapterModule("lora_B", new ModuleDict<>());
    }

    /**
     * {@inheritDoc} Its weights are created at once when the base weight exists, otherwise when the model
     * is initialized. A DoRA adapter's magnitude vector starts as the row norms of {@code W + scaling·B·A},
     * so a new DoRA adapter computes as the plain LoRA one.
     */
    @Override
    public void updateLayer(String name, Settings settings, Random rnd) {
        int r = settings.r();
        requirePositiveRank(r);
        requireNewAdapter(name);
        Linear a = new Linear(inFeatures(), r, false);
        Linear b = new Linear(r, outFeatures(), false);
        LoraInit.attach(settings.init(), a, b, r, rnd);
        double scale = settings.scaling();
        Parameter magnitude = null;
        if (settings.useDora()) {
            if (loraMagnitude == null) {
                loraMagnitude = addAdapterModule("lora_magnitude_vector", new ParameterDict());
            }
            magnitude = loraMagnitude.put(name, new Shape(outFeatures()));
            // Runs after A and B have values (weights() lists it last).
            magnitude.setInitializer((manager, shape, dataType) -> {
                NDArray w = baseWeight().getArray();
                try (NDManager scope = w.getManager().newSubManager()) {
                    NDArray norm =
                            weightNorm(w, a.weight().getArray(), b.weight().getArray(), scale, scope);
                    NDArray out = norm.toType(dataType, false).duplicate();
                    out.attach(manager);
                    return out;
                }
            });
        }
        Adapter adapter = new Adapter(r, settings.loraAlpha(), scale, new Dropout(settings.dropout()), a, b, magnitude);
        loraDropout.put(name, adapter.dropout());
        loraA.put(name, a);
        loraB.put(name, b);
        addAdapter(name, adapter);
    }

    /** Whether the base weight is stored {@code [in, out]} (Conv1D), so deltas are transposed. */
    public boolean fanInFanOut() {
        return fanInFanOut;
    }

    /** Adapter {@code name}'s settings and modules. */
    public Adapter adapter(String name) {
        return adapterState(name);
    }

    /** {@inheritDoc} A, B and, with DoRA, the magnitude. */
    @Override
    public List<Parameter> adapterWeights(String name) {
        return adapter(name).weights();
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

    /**
     * {@code B·A·scaling}, shaped like the base weight ({@code [out, in]}, or {@code [in, out]} with
     * fan_in_fan_out), as a new array on {@code into}.
     */
    @Override
    public NDArray deltaWeight(String name, NDManager into) {
        Adapter adapter = adapter(name);
        NDArray a = adapter.a().weight().getArray();
        NDArray b = adapter.b().weight().getArray();
        return computeOn(into, scope -> {
            scope.tempAttachAll(a, b);
            NDArray delta = b.matMul(a).mul(adapter.scaling()); // [out, in], lives on scope
            return fanInFanOut ? delta.transpose() : delta;
        });
    }

    /** {@inheritDoc} DoRA: the weight is rescaled to the magnitude by the norms it has now, kept for unmerge. */
    @Override
    protected void mergeAdapter(String name, Adapter adapter, boolean safe) {
        if (!adapter.useDora()) {
            super.mergeAdapter(name, adapter, safe);
            return;
        }
        NDArray w = baseWeight().getArray();
        try (NDManager scope = w.getManager().newSubManager()) {
            NDArray mergedWeight = deltaWeight(name, scope).add(w);
            // PEFT computes the norm from the weights as they are now and keeps it for unmerge.
            NDArray rows = fanInFanOut ? mergedWeight.transpose() : mergedWeight;
            NDArray norm = rows.norm(new int[] {1});
            mergedWeight = mergedWeight.mul(doraFactor(adapter, norm, scope));
            if (safe) {
                requireFinite(mergedWeight, name);
            }
            NDArray kept = norm.duplicate();
            kept.attach(w.getManager());
            mergeNorms.put(name, kept);
            Weights.copyInto(w, mergedWeight);
        }
    }

    /** {@inheritDoc} DoRA: divided by the factor it was merged with, then the change subtracted. */
    @Override
    protected void unmergeAdapter(String name, Adapter adapter) {
        if (!adapter.useDora()) {
            super.unmergeAdapter(name, adapter);
            return;
        }
        NDArray w = baseWeight().getArray();
        try (NDManager scope = w.getManager().newSubManager()) {
            NDArray delta = deltaWeight(name, scope);
            NDArray norm = mergeNorms.remove(name);
            scope.attachAll(norm);
            Weights.copyInto(w, w.div(doraFactor(adapter, norm, scope)).sub(delta));
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

    /** {@code (..., in) -> (..., out)}. */
    @Override
    protected NDArray adaptedForward(ParameterStore ps, NDArray x, boolean training) {
        NDArray result = call("base_layer", ps, training, x);
        List<String> adapterNames = MixedBatch.current();
        if (adapterNames != null) {
            return mixedBatchForward(ps, x, result, adapterNames, training);
        }
        for (Adapter adapter : activeStates().values()) {
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
     * PEFT's {@code _mixed_batch_forward}: each named adapter's {@code B(A(dropout(x)))·scaling} on its own rows
     * only; {@value MixedBatch#BASE} rows get the base output.
     */
    private NDArray mixedBatchForward(
            ParameterStore ps, NDArray x, NDArray result, List<String> adapterNames, boolean training) {
        for (String name : activeAdapters()) {
            if (adapterNames().contains(name) && useDora(name)) {
                throw new IllegalArgumentException("Cannot pass `adapter_names` when DoRA is enabled.");
            }
        }
        return MixedBatch.addPerAdapter(result, x, adapterNames, adapterNames()::contains, (name, sub) -> {
            Adapter adapter = adapter(name);
            if (adapter.useDora()) {
                throw new IllegalArgumentException("Cannot pass `adapter_names` when DoRA is enabled.");
            }
            NDArray h = adapter.dropout().forward(sub, training);
            NDArray update = adapter.b().forward(ps, adapter.a().forward(ps, h, training), training);
            return Scalars.mul(update, adapter.scaling());
        });
    }

    /**
     * PEFT 0.10's {@code _apply_dora} on the dropped-out input {@code h}, given {@code B(A(h))}: {@code
     * (m/n − 1)·(h Wᵀ) + (m/n)·B(A(h))·scaling}, with the norm {@code n} detached from the graph.
     */
    private NDArray doraUpdate(ParameterStore ps, Adapter adapter, NDArray h, NDArray loraOut, boolean training) {
        NDArray w = value(ps, baseWeight(), h, training);
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
    protected String extraRepr() {
        return "in_features=" + inFeatures() + ", out_features=" + outFeatures() + ", r=" + perAdapter(Adapter::r);
    }
}
