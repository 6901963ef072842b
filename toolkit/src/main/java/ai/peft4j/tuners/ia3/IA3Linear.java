package ai.peft4j.tuners.ia3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.ParameterDict;
import ai.peft4j.nn.Scalars;
import ai.peft4j.tuners.BaseTunerLayer;
import java.util.List;
import java.util.Random;

/**
 * PEFT's {@code ia3.Linear}: a linear base layer whose output (attention layers) or input
 * (feed-forward layers) is multiplied elementwise by a learned vector per adapter,
 *
 * <pre>
 *   attention:     y = base(x) · l          l: ia3_l, shape [out, 1]   (the bias is scaled too)
 *   feed-forward:  y = base(x · l)          l: ia3_l, shape [1, in]
 * </pre>
 *
 * with the product of the active adapters' vectors when several are active. Children, as in PEFT:
 * {@code base_layer} and the parameter dict {@code ia3_l} (in-memory keys {@code …ia3_l.<name>},
 * saved as {@code …ia3_l}); the base layer's parameters are never trained here. Whether the layer
 * is feed-forward is decided when it is created, for all its adapters, as in PEFT.
 *
 * <pre>{@code
 * IA3Linear fc2 = new IA3Linear(new Linear(3072, 768, true), false, true);
 * fc2.updateLayer("default", true, new Random(0));     // ia3_l.default = ones [1, 3072]
 * fc2.setActiveAdapters(List.of("default"));
 * }</pre>
 */
public class IA3Linear extends BaseTunerLayer<Parameter> {

    private final boolean fanInFanOut;
    private final boolean feedforward;
    private final ParameterDict ia3L;

    /**
     * Wraps {@code base}: a toolkit {@link ai.peft4j.nn.Linear}, an initialized DJL {@code Linear},
     * or (with {@code fanInFanOut}) a {@link ai.peft4j.nn.Conv1D}.
     *
     * @param fanInFanOut whether the base stores its weight as {@code [in, out]} (GPT-2's Conv1D)
     * @param feedforward whether the vectors scale the input (feed-forward) rather than the output
     */
    public IA3Linear(Block base, boolean fanInFanOut, boolean feedforward) {
        super(base, fanInFanOut);
        this.fanInFanOut = fanInFanOut;
        this.feedforward = feedforward;
        ia3L = addAdapterModule("ia3_l", new ParameterDict());
    }

    /** The base layer's bias, or null. */
    private Parameter baseBias() {
        return ModuleTree.directParameters(baseLayer()).get("bias");
    }

    /**
     * Adds adapter {@code name}: a vector of ones ({@code initIa3Weights}) or of N(0, 1) draws from
     * {@code rnd}, shaped {@code [1, in]} for a feed-forward layer and {@code [out, 1]} otherwise. It
     * is allocated at once when the base weight exists, otherwise when the model is initialized.
     */
    public void updateLayer(String name, boolean initIa3Weights, Random rnd) {
        requireNewAdapter(name);
        Shape shape = feedforward ? new Shape(1, inFeatures()) : new Shape(outFeatures(), 1);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = initIa3Weights ? 1f : (float) rnd.nextGaussian();
        }
        Parameter vector = ia3L.put(name, shape);
        vector.setInitializer(
                (manager, s, dataType) -> manager.create(values, s).toType(dataType, false));
        addAdapter(name, vector);
    }

    /** Whether the base weight is stored {@code [in, out]} (Conv1D), so vectors are transposed when merged. */
    public boolean fanInFanOut() {
        return fanInFanOut;
    }

    /** Whether the vectors scale this layer's input (feed-forward) rather than its output. */
    public boolean isFeedforward() {
        return feedforward;
    }

    /** Adapter {@code name}'s vector ({@code ia3_l.<name>}). */
    public Parameter ia3L(String name) {
        return adapterState(name);
    }

    /** {@inheritDoc} The vector. */
    @Override
    public List<Parameter> adapterWeights(String name) {
        return List.of(ia3L(name));
    }

    /**
     * {@inheritDoc} As PEFT: the weight is multiplied by the vector (transposed for Conv1D), which
     * scales its rows (attention) or columns (feed-forward) of an {@code [out, in]} weight; an
     * attention layer's bias is scaled too. A safe merge checks the product for NaN and infinity
     * first.
     */
    @Override
    protected void mergeAdapter(String name, Parameter vector, boolean safe) {
        NDArray w = baseWeight().getArray();
        Parameter bias = baseBias();
        NDArray l = vector.getArray();
        try (NDManager scope = w.getManager().newSubManager()) {
            scope.tempAttachAll(l);
            NDArray factor = fanInFanOut ? l.transpose() : l;
            if (safe) {
                requireFinite(factor.mul(w), name);
            }
            w.muli(factor);
            if (!feedforward && bias != null) {
                NDArray b = bias.getArray();
                b.muli(l.reshape(b.getShape()));
            }
        }
    }

    /**
     * {@inheritDoc} By dividing by the vector, which gives the weights back up to float rounding.
     * PEFT divides by the vector plus 1e-8 everywhere, which leaves a relative error of 1e-8/|l| (it
     * warns that the result "can be inaccurate"); here only entries that are exactly 0, whose weights
     * the merge has zeroed for good, are divided by 1e-8 instead, giving PEFT's result there.
     */
    @Override
    protected void unmergeAdapter(String name, Parameter vector) {
        NDArray w = baseWeight().getArray();
        Parameter bias = baseBias();
        NDArray l = vector.getArray();
        try (NDManager scope = w.getManager().newSubManager()) {
            scope.tempAttachAll(l);
            w.divi(divisor(fanInFanOut ? l.transpose() : l));
            if (!feedforward && bias != null) {
                NDArray b = bias.getArray();
                b.divi(divisor(l.reshape(b.getShape())));
            }
        }
    }

    /** {@code l}, with exact zeros replaced by PEFT's 1e-8; made on {@code l}'s manager. */
    private static NDArray divisor(NDArray l) {
        NDArray zero = l.eq(Scalars.like(l, 0)).toType(l.getDataType(), false);
        return l.add(Scalars.mul(zero, 1e-8));
    }

    /** {@code (..., in) -> (..., out)}. */
    @Override
    protected NDArray adaptedForward(ParameterStore ps, NDArray x, boolean training) {
        // PEFT multiplies the active vectors first, then applies the product once. The product starts
        // from ones on the input's manager, so that nothing made here lives on the weights' manager.
        NDArray scaling = null;
        for (Parameter p : activeStates().values()) {
            NDArray l = value(ps, p, x, training);
            if (scaling == null) {
                scaling = x.getManager().ones(l.getShape(), l.getDataType(), l.getDevice());
            }
            scaling = scaling.mul(l);
        }
        if (scaling == null) {
            return call("base_layer", ps, training, x);
        }
        NDArray flat = scaling.reshape(-1);
        if (feedforward) {
            return call("base_layer", ps, training, x.mul(flat));
        }
        return call("base_layer", ps, training, x).mul(flat);
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures() + ", out_features=" + outFeatures() + ", is_feedforward="
                + (feedforward ? "True" : "False") + ", adapters=" + adapterNames();
    }
}
