package ai.peft4j.tuners.ia3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.ParameterDict;
import ai.peft4j.nn.Scalars;
import ai.peft4j.tuners.TunerLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

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
public class IA3Linear extends ModuleBlock implements TunerLayer {

    private final long inFeatures;
    private final long outFeatures;
    private final boolean fanInFanOut;
    private final boolean feedforward;
    private final ParameterDict ia3L;
    private List<String> active = new ArrayList<>();
    private final List<String> merged = new ArrayList<>();
    private boolean disabled;

    /**
     * Wraps {@code base}: a toolkit {@link ai.peft4j.nn.Linear}, an initialized DJL {@code Linear},
     * or (with {@code fanInFanOut}) a {@link ai.peft4j.nn.Conv1D}.
     *
     * @param fanInFanOut whether the base stores its weight as {@code [in, out]} (GPT-2's Conv1D)
     * @param feedforward whether the vectors scale the input (feed-forward) rather than the output
     */
    public IA3Linear(Block base, boolean fanInFanOut, boolean feedforward) {
        Shape w = ModuleTree.shapeOf("base_layer.weight", weightOf(base));
        this.fanInFanOut = fanInFanOut;
        this.feedforward = feedforward;
        this.outFeatures = fanInFanOut ? w.get(1) : w.get(0);
        this.inFeatures = fanInFanOut ? w.get(0) : w.get(1);
        addModule("base_layer", base);
        ia3L = addModule("ia3_l", new ParameterDict());
    }

    /** The weight parameter of a linear-like block. */
    static Parameter weightOf(Block linear) {
        Parameter p = ModuleTree.directParameters(linear).get("weight");
        if (p == null) {
            throw new IllegalArgumentException("IA3 needs a layer with a 'weight' parameter, got "
                    + linear.getClass().getName());
        }
        return p;
    }

    private static Parameter biasOf(Block linear) {
        return ModuleTree.directParameters(linear).get("bias");
    }

    /**
     * Adds adapter {@code name}: a vector of ones ({@code initIa3Weights}) or of N(0, 1) draws from
     * {@code rnd}, shaped {@code [1, in]} for a feed-forward layer and {@code [out, 1]} otherwise. It
     * is allocated at once when the base weight exists, otherwise when the model is initialized.
     */
    public void updateLayer(String name, boolean initIa3Weights, Random rnd) {
        if (ia3L.containsKey(name)) {
            throw new IllegalArgumentException("adapter '" + name + "' already exists in this layer");
        }
        Shape shape = feedforward ? new Shape(1, inFeatures) : new Shape(outFeatures, 1);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = initIa3Weights ? 1f : (float) rnd.nextGaussian();
        }
        Parameter vector = Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optShape(shape)
                .build();
        vector.setInitializer(
                (manager, s, dataType) -> manager.create(values, s).toType(dataType, false));
        Parameter baseWeight = weightOf(baseLayer());
        if (baseWeight.isInitialized()) {
            NDArray w = baseWeight.getArray();
            vector.initialize(w.getManager(), w.getDataType());
        }
        ia3L.put(name, vector);
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
        Parameter p = ia3L.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no adapter '" + name + "' in this layer; adapters: " + ia3L.keySet());
        }
        return p;
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> adapterNames() {
        return ia3L.keySet();
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
        for (String n : ia3L.keySet()) {
            ia3L.get(n).freeze(!active.contains(n));
        }
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
        ia3L(name);
        if (merged.contains(name)) {
            throw new IllegalStateException("adapter '" + name + "' is merged; unmerge before deleting it");
        }
        ia3L.remove(name).close();
        active.remove(name);
    }

    /**
     * {@inheritDoc} As PEFT: the weight is multiplied by the vector (transposed for Conv1D), which
     * scales its rows (attention) or columns (feed-forward) of an {@code [out, in]} weight; an
     * attention layer's bias is scaled too. A safe merge checks the product for NaN and infinity
     * first.
     */
    @Override
    public void merge(List<String> names, boolean safe) {
        NDArray w = weightOf(baseLayer()).getArray();
        Parameter bias = biasOf(baseLayer());
        for (String name : names) {
            if (!ia3L.containsKey(name)) {
                continue;
            }
            if (merged.contains(name)) {
                throw new IllegalStateException("adapter '" + name + "' is already merged");
            }
            NDArray l = ia3L.get(name).getArray();
            try (NDManager scope = w.getManager().newSubManager()) {
                scope.tempAttachAll(l);
                NDArray factor = fanInFanOut ? l.transpose() : l;
                if (safe) {
                    NDArray product = factor.mul(w);
                    if (product.isNaN().any().getBoolean()
                            || product.isInfinite().any().getBoolean()) {
                        throw new IllegalStateException("NaNs or infinities detected in the merged weights; adapter '"
                                + name + "' seems to be broken, nothing was merged");
                    }
                }
                w.muli(factor);
                if (!feedforward && bias != null) {
                    NDArray b = bias.getArray();
                    b.muli(l.reshape(b.getShape()));
                }
            }
            merged.add(name);
        }
    }

    /**
     * {@inheritDoc} By dividing by the vector, which gives the weights back up to float rounding.
     * PEFT divides by the vector plus 1e-8 everywhere, which leaves a relative error of 1e-8/|l| (it
     * warns that the result "can be inaccurate"); here only entries that are exactly 0, whose weights
     * the merge has zeroed for good, are divided by 1e-8 instead, giving PEFT's result there.
     */
    @Override
    public void unmerge() {
        if (merged.isEmpty()) {
            return;
        }
        NDArray w = weightOf(baseLayer()).getArray();
        Parameter bias = biasOf(baseLayer());
        while (!merged.isEmpty()) {
            String name = merged.remove(merged.size() - 1);
            NDArray l = ia3L.get(name).getArray();
            try (NDManager scope = w.getManager().newSubManager()) {
                scope.tempAttachAll(l);
                w.divi(divisor(fanInFanOut ? l.transpose() : l));
                if (!feedforward && bias != null) {
                    NDArray b = bias.getArray();
                    b.divi(divisor(l.reshape(b.getShape())));
                }
            }
        }
    }

    /** {@code l}, with exact zeros replaced by PEFT's 1e-8; made on {@code l}'s manager. */
    private static NDArray divisor(NDArray l) {
        NDArray zero = l.eq(Scalars.like(l, 0)).toType(l.getDataType(), false);
        return l.add(Scalars.mul(zero, 1e-8));
    }

    /** {@inheritDoc} */
    @Override
    public List<String> mergedAdapters() {
        return List.copyOf(merged);
    }

    /** {@code (..., in) -> (..., out)}. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        if (disabled && isMerged()) {
            unmerge();
        }
        if (disabled || isMerged()) {
            return call("base_layer", ps, training, x);
        }
        // PEFT multiplies the active vectors first, then applies the product once. The product starts
        // from ones on the input's manager, so that nothing made here lives on the weights' manager.
        NDArray scaling = null;
        for (String name : active) {
            Parameter p = ia3L.get(name);
            if (p == null) {
                continue;
            }
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
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return baseLayer().getOutputShapes(inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... shapes) {
        // The base layer was built (and for DJL blocks initialized) before wrapping.
        baseLayer().initialize(manager, dataType, shapes);
        for (String name : ia3L.keySet()) {
            Parameter p = ia3L.get(name);
            if (!p.isInitialized()) {
                p.initialize(manager, dataType);
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", is_feedforward="
                + (feedforward ? "True" : "False") + ", adapters=" + ia3L.keySet();
    }
}
