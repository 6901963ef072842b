package ai.peft4j.tuners.adalora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.Init;
import ai.peft4j.nn.ModuleDict;
import ai.peft4j.nn.ParameterDict;
import ai.peft4j.nn.Scalars;
import ai.peft4j.tuners.BaseTunerLayer;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * PEFT 0.10's {@code adalora.SVDLinear}: a linear (or Conv1D) base layer plus, per adapter, an update in SVD form,
 *
 * <pre>
 *   y = base(x) + dropout(x) · (A ⊙ E)ᵀ · Bᵀ · scaling / (ranknum + 1e-5)
 *   A = lora_A [r, in] (right singular vectors), E = lora_E [r, 1] (singular values), B = lora_B [out, r]
 * </pre>
 *
 * with {@code scaling = lora_alpha} ({@code r} when {@code lora_alpha} is 0) and {@code ranknum} the rank the layer
 * was created with, a frozen one-element parameter that is not saved (PEFT keeps it at {@code init_r} when a saved
 * rank pattern shrinks the layer, so the scaling stays as trained). The rank allocator prunes a singular value by
 * zeroing its entry of E. Children, as PEFT's: {@code base_layer}, {@code lora_dropout.<name>}, {@code
 * lora_A.<name>}, {@code lora_B.<name>}, {@code lora_E.<name>}, {@code ranknum.<name>}; saved keys {@code …lora_A},
 * {@code …lora_B}, {@code …lora_E}.
 *
 * <pre>{@code
 * SVDLinear q = new SVDLinear(new Linear(16, 16, true), false);
 * q.updateLayer("default", 6, 6, 8, 0.0, true, new Random(0));   // A, B, E ~ N(0, 0.02²), ranknum 6
 * q.deltaWeight("default", manager);                            // B (A ⊙ E) · 8 / (6 + 1e-5), [16, 16]
 * }</pre>
 */
public class SVDLinear extends BaseTunerLayer<SVDLinear.Adapter> {

    /**
     * One adapter of this layer: its rank {@code r}, {@code lora_alpha}, the scaling PEFT derives from it, its
     * dropout and its parameters.
     */
    public record Adapter(
            int r,
            int loraAlpha,
            double scaling,
            Dropout dropout,
            Parameter loraA,
            Parameter loraB,
            Parameter loraE,
            Parameter ranknum) {}

    private final boolean fanInFanOut;
    private final ModuleDict<Dropout> loraDropout;
    private final ParameterDict loraA;
    private final ParameterDict loraB;
    private final ParameterDict loraE;
    private final ParameterDict ranknum;

    /**
     * Wraps {@code base}: a peft4j {@link ai.peft4j.nn.Linear}, an initialized DJL {@code Linear}, or (with {@code
     * fanInFanOut}) a {@link ai.peft4j.nn.Conv1D}.
     *
     * @param fanInFanOut whether the base stores its weight as {@code [in, out]} (GPT-2's Conv1D)
     */
    public SVDLinear(Block base, boolean fanInFanOut) {
        super(base, fanInFanOut);
        this.fanInFanOut = fanInFanOut;
        loraDropout = addAdapterModule("lora_dropout", new ModuleDict<>());
        loraA = addAdapterModule("lora_A", new ParameterDict());
        loraB = addAdapterModule("lora_B", new ParameterDict());
        loraE = addAdapterModule("lora_E", new ParameterDict());
        ranknum = addAdapterModule("ranknum", new ParameterDict());
    }

    /**
     * PEFT's {@code update_layer}: adds adapter {@code name} of rank {@code r} (0 is allowed: the adapter then adds
     * nothing). With {@code initLoraWeights} A, B and E are drawn from N(0, 0.02²), otherwise from N(0, 1), from
     * {@code rnd}; {@code ranknum} holds {@code rankNum} (PEFT: {@code r}, or the earlier rank of a layer resized by a
     * saved rank pattern).
     *
     * @throws IllegalArgumentException for a negative rank or a name the layer holds already
     */
    public void updateLayer(
            String name, int r, double rankNum, int loraAlpha, double dropout, boolean initLoraWeights, Random rnd) {
        if (r < 0) {
            throw new IllegalArgumentException("`r` should be a positive integer or 0, but the value passed is " + r);
        }
        requireNewAdapter(name);
        Adapter adapter;
        try {
            Parameter a = loraA.put(name, new Shape(r, inFeatures()));
            Parameter e = loraE.put(name, new Shape(r, 1));
            Parameter b = loraB.put(name, new Shape(outFeatures(), r));
            double std = initLoraWeights ? 0.02 : 1.0;
            Init.normal(a, std, rnd);
            Init.normal(e, std, rnd);
            Init.normal(b, std, rnd);
            Parameter rank = ranknum.put(name, new Shape(1));
            rank.setInitializer((manager, shape, dataType) -> manager.full(shape, (float) rankNum, dataType));
            rank.freeze(true); // PEFT: requires_grad=False; never trained, never saved
            adapter = new Adapter(r, loraAlpha, loraAlpha > 0 ? loraAlpha : r, new Dropout(dropout), a, b, e, rank);
            loraDropout.put(name, adapter.dropout());
        } catch (RuntimeException ex) {
            discardDeclared(name);
            throw ex;
        }
        addAdapter(name, adapter);
        Parameter w = baseWeight();
        if (w.isInitialized()) {
            adapter.ranknum().initialize(w.getArray().getManager(), w.getArray().getDataType());
        }
        setActiveAdapters(activeAdapters()); // a new adapter that is not active does not train
    }

    /** Whether the base weight is stored {@code [in, out]} (Conv1D), so deltas are transposed. */
    public boolean fanInFanOut() {
        return fanInFanOut;
    }

    /** Adapter {@code name}: its rank, scaling and parameters. */
    public Adapter adapter(String name) {
        return adapterState(name);
    }

    /** {@inheritDoc} A, B and E; {@code ranknum} is a frozen constant. */
    @Override
    public List<Parameter> adapterWeights(String name) {
        Adapter a = adapterState(name);
        return List.of(a.loraA(), a.loraB(), a.loraE());
    }

    /** {@inheritDoc} Also every adapter's {@code ranknum}. */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... shapes) {
        super.initialize(manager, dataType, shapes);
        for (String n : adapterNames()) {
            Parameter rank = adapterState(n).ranknum();
            if (!rank.isInitialized()) {
                rank.initialize(manager, dataType);
            }
        }
    }

    /** PEFT's {@code get_delta_weight}: {@code B (A ⊙ E) · scaling / (ranknum + 1e-5)}, transposed for Conv1D. */
    @Override
    public NDArray deltaWeight(String name, NDManager into) {
        Adapter a = adapterState(name);
        try (ForwardScope scope = ForwardScope.open()) {
            NDArray d = scope.keep(deltaWeight(a, Parameter::getArray).duplicate());
            d.attach(into);
            return d;
        }
    }

    private NDArray deltaWeight(Adapter a, Function<Parameter, NDArray> values) {
        NDArray ae = values.apply(a.loraA()).mul(values.apply(a.loraE()));
        NDArray d = values.apply(a.loraB()).matMul(ae);
        if (fanInFanOut) {
            d = d.transpose();
        }
        return Scalars.mul(d, a.scaling()).div(rankDivisor(values.apply(a.ranknum())));
    }

    /** {@code ranknum + 1e-5}, in the parameter's dtype as PEFT adds it. */
    private static NDArray rankDivisor(NDArray ranknum) {
        return ranknum.add(Scalars.like(ranknum, 1e-5));
    }

    /** {@code (..., in) -> (..., out)}. */
    @Override
    protected NDArray adaptedForward(ParameterStore ps, NDArray x, boolean training) {
        NDArray result = call("base_layer", ps, training, x);
        for (Adapter a : activeStates().values()) {
            NDArray la = value(ps, a.loraA(), x, training);
            NDArray lb = value(ps, a.loraB(), x, training);
            NDArray le = value(ps, a.loraE(), x, training);
            NDArray rank = value(ps, a.ranknum(), x, training);
            // Products of parameters live on their manager: the scope frees them when the pass is done.
            try (ForwardScope scope = ForwardScope.open()) {
                NDArray h = a.dropout().forward(x, training);
                // PEFT: (dropout(x) @ (A * E).T @ B.T) * scaling / ranknum, in that order
                NDArray update = h.matMul(la.mul(le).transpose()).matMul(lb.transpose());
                result = scope.keep(result.add(Scalars.mul(update, a.scaling()).div(rankDivisor(rank))));
            }
        }
        return result;
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures() + ", out_features=" + outFeatures() + ", r=" + perAdapter(Adapter::r);
    }
}
