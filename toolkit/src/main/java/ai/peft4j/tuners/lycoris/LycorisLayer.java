package ai.peft4j.tuners.lycoris;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.ParameterDict;
import ai.peft4j.nn.UnaryModule;
import ai.peft4j.tuners.TunerLayer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * PEFT 0.10's {@code LycorisLayer} on a linear base layer: each adapter contributes a full weight change
 * {@code ΔW} (its method's product of factors), and
 *
 * <pre>
 *   y = base(x) + Σ_active  x · ΔWᵀ
 * </pre>
 *
 * In training, {@code module_dropout} skips an adapter for the whole pass with that probability, and
 * {@code rank_dropout} zeroes output rows of {@code ΔW} with that probability and rescales the kept rows by one over
 * their share, as PEFT does. Merging adds {@code ΔW} to the base weight. The factors live in {@link ParameterDict}
 * children named as PEFT's attributes ({@code hada_w1_a.<adapter>}); a subclass declares them and computes
 * {@link #deltaWeight(String, Function)}.
 *
 * <pre>{@code
 * LoHaLinear layer = new LoHaLinear(new Linear(16, 16, true));
 * layer.updateLayer("default", 4, 8, 0.0, 0.0, true, new Random(0));
 * layer.deltaWeight("default", manager);        // [16, 16]
 * }</pre>
 */
public abstract class LycorisLayer extends UnaryModule implements TunerLayer {

    /** One adapter's settings: {@code r}, {@code alpha}, {@code scaling = alpha / r} and its two dropouts. */
    public record Settings(int r, double alpha, double scaling, double rankDropout, double moduleDropout) {}

    private final List<String> parameterNames;
    private final Map<String, Settings> settings = new LinkedHashMap<>();
    private List<String> active = new ArrayList<>();
    private final List<String> merged = new ArrayList<>();
    private boolean disabled;
    private final Random dropoutRandom = new Random();

    /**
     * @param base           a peft4j {@link Linear} or an initialized DJL {@code Linear}
     * @param parameterNames the method's parameter attributes, in PEFT's order ({@code hada_w1_a}, ...)
     */
    protected LycorisLayer(Block base, List<String> parameterNames) {
        weightOf(base);
        addModule("base_layer", base);
        this.parameterNames = List.copyOf(parameterNames);
        for (String n : parameterNames) {
            addModule(n, new ParameterDict());
        }
    }

    /** The weight parameter of a linear-like block. */
    protected static Parameter weightOf(Block linear) {
        Parameter p = ModuleTree.directParameters(linear).get("weight");
        if (p == null) {
            throw new IllegalArgumentException("LyCORIS adapters need a layer with a 'weight' parameter, got "
                    + linear.getClass().getName());
        }
        return p;
    }

    /** The base weight's shape, {@code [out, in]}. */
    protected final Shape baseWeightShape() {
        return ModuleTree.shapeOf("base_layer.weight", weightOf(baseLayer()));
    }

    /**
     * Records adapter {@code name}'s settings ({@code scaling = alpha / r}); a subclass calls this first in its
     * {@code updateLayer}, then {@link #addParameter} for each factor, then {@link #initializeIfReady}.
     */
    protected final void addSettings(String name, int r, double alpha, double rankDropout, double moduleDropout) {
        if (r <= 0) {
            throw new IllegalArgumentException("`r` should be a positive integer value but the value passed is " + r);
        }
        if (settings.containsKey(name)) {
            throw new IllegalArgumentException("adapter '" + name + "' already exists in this layer");
        }
        settings.put(name, new Settings(r, alpha, alpha / r, rankDropout, moduleDropout));
    }

    /** Declares the factor {@code attribute.<adapter>} of the given shape; the subclass sets its initializer. */
    protected final Parameter addParameter(String attribute, String adapter, Shape shape) {
        Parameter p = Parameter.builder()
                .setName(adapter)
                .setType(Parameter.Type.WEIGHT)
                .optShape(shape)
                .build();
        dict(attribute).put(adapter, p);
        return p;
    }

    /** Creates adapter {@code name}'s factors now when the base weight exists (else at model initialization). */
    protected final void initializeIfReady(String name) {
        Parameter baseWeight = weightOf(baseLayer());
        if (baseWeight.isInitialized()) {
            NDManager owner = baseWeight.getArray().getManager();
            parametersOf(name)
                    .forEach(p -> p.initialize(owner, baseWeight.getArray().getDataType()));
        }
        setActiveAdapters(active);
    }

    /** PyTorch's {@code kaiming_uniform_(a=sqrt(5))} on a 2-D factor: U(-1/√fan_in, 1/√fan_in), drawn now. */
    protected static void kaimingUniform(Parameter p, Random rnd) {
        ai.peft4j.nn.Init.uniform(p, 1 / Math.sqrt(p.getShape().get(1)), rnd);
    }

    /** {@code zeros_}. */
    protected static void zeros(Parameter p) {
        p.setInitializer((manager, shape, dataType) -> manager.zeros(shape, dataType));
    }

    private ParameterDict dict(String attribute) {
        return (ParameterDict) module(attribute);
    }

    /** Factor {@code attribute.<adapter>}, or {@code null} when this adapter has none under that name. */
    public final Parameter parameter(String attribute, String adapter) {
        return dict(attribute).get(adapter);
    }

    /** Adapter {@code name}'s factors, in attribute order. */
    public final List<Parameter> parametersOf(String name) {
        List<Parameter> out = new ArrayList<>();
        for (String n : parameterNames) {
            Parameter p = dict(n).get(name);
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    /** Adapter {@code name}'s settings. */
    public final Settings settings(String name) {
        Settings s = settings.get(name);
        if (s == null) {
            throw new IllegalArgumentException(
                    "no adapter '" + name + "' in this layer; adapters: " + settings.keySet());
        }
        return s;
    }

    /**
     * Adapter {@code name}'s weight change, shaped like the base weight, without rank dropout.
     *
     * @param values each factor's value: its array, or the value a forward pass reads from its parameter store
     */
    protected abstract NDArray deltaWeight(String name, Function<Parameter, NDArray> values);

    /** {@code ΔW} of adapter {@code name} (PEFT's {@code get_delta_weight} in eval mode), as a new array on {@code into}. */
    public NDArray deltaWeight(String name, NDManager into) {
        settings(name);
        try (ForwardScope scope = ForwardScope.open()) {
            NDArray d = scope.keep(deltaWeight(name, Parameter::getArray).duplicate());
            d.attach(into);
            return d;
        }
    }

    /** {@inheritDoc} */
    @Override
    public Block baseLayer() {
        return module("base_layer");
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> adapterNames() {
        return Collections.unmodifiableSet(settings.keySet());
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
        for (String n : settings.keySet()) {
            parametersOf(n).forEach(p -> p.freeze(!active.contains(n)));
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
        settings(name);
        if (merged.contains(name)) {
            throw new IllegalStateException("adapter '" + name + "' is merged; unmerge before deleting it");
        }
        for (String n : parameterNames) {
            Parameter p = dict(n).get(name);
            if (p != null) {
                dict(n).remove(name);
                p.close();
            }
        }
        settings.remove(name);
        active.remove(name);
    }

    /** {@inheritDoc} */
    @Override
    public void merge(List<String> names, boolean safe) {
        NDArray w = weightOf(baseLayer()).getArray();
        for (String name : names) {
            if (!settings.containsKey(name)) {
                continue;
            }
            if (merged.contains(name)) {
                throw new IllegalStateException("adapter '" + name + "' is already merged");
            }
            try (ForwardScope scope = ForwardScope.open()) {
                NDArray delta = deltaWeight(name, Parameter::getArray);
                if (safe) {
                    NDArray sum = delta.add(w);
                    if (sum.isNaN().any().getBoolean() || sum.isInfinite().any().getBoolean()) {
                        throw new IllegalStateException("NaNs detected in the merged weights. The adapter " + name
                                + " seems to be broken; nothing was merged");
                    }
                }
                w.addi(delta);
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
            try (ForwardScope scope = ForwardScope.open()) {
                w.subi(deltaWeight(name, Parameter::getArray));
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public List<String> mergedAdapters() {
        return List.copyOf(merged);
    }

    /** Seeds the generator behind {@code rank_dropout} and {@code module_dropout} (for reproducible training). */
    public void seedDropout(long seed) {
        dropoutRandom.setSeed(seed);
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
            Settings s = settings.get(name);
            if (s == null) {
                continue;
            }
            // PEFT: the adapter takes part unless training and torch.rand(1) <= module_dropout.
            if (training && dropoutRandom.nextDouble() <= s.moduleDropout()) {
                continue;
            }
            try (ForwardScope scope = ForwardScope.open()) {
                NDArray delta = deltaWeight(name, p -> value(ps, p, x, training));
                if (training && s.rankDropout() > 0) {
                    delta = delta.mul(rankDropoutMask(delta, s.rankDropout()));
                }
                result = scope.keep(result.add(Linear.linear(x, delta, null)));
            }
        }
        return result;
    }

    /** PEFT's rank dropout: keep each output row with probability 1 - p, then divide by the kept share. */
    private NDArray rankDropoutMask(NDArray delta, double p) {
        long rows = delta.getShape().get(0);
        float[] keep = new float[Math.toIntExact(rows)];
        int kept = 0;
        for (int i = 0; i < keep.length; i++) {
            if (dropoutRandom.nextDouble() > p) {
                keep[i] = 1;
                kept++;
            }
        }
        float mean = (float) kept / keep.length; // all dropped gives NaN, as in PEFT
        for (int i = 0; i < keep.length; i++) {
            keep[i] /= mean;
        }
        return delta.getManager().create(keep, new Shape(rows, 1)).toType(delta.getDataType(), false);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return baseLayer().getOutputShapes(inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... shapes) {
        baseLayer().initialize(manager, dataType, shapes);
        settings.keySet().forEach(n -> parametersOf(n).forEach(p -> p.initialize(manager, dataType)));
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        Shape w = baseWeightShape();
        Map<String, Integer> ranks = new LinkedHashMap<>();
        settings.forEach((n, s) -> ranks.put(n, s.r()));
        return "in_features=" + w.get(1) + ", out_features=" + w.get(0) + ", r=" + ranks;
    }
}
