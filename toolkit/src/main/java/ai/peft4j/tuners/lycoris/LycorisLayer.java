package ai.peft4j.tuners.lycoris;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ParameterDict;
import ai.peft4j.tuners.BaseTunerLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
public abstract class LycorisLayer extends BaseTunerLayer<LycorisLayer.Settings> {

    /** One adapter's settings: {@code r}, {@code alpha}, {@code scaling = alpha / r} and its two dropouts. */
    public record Settings(int r, double alpha, double scaling, double rankDropout, double moduleDropout) {

        /** Settings with PEFT's {@code scaling = alpha / r}. */
        public static Settings of(int r, double alpha, double rankDropout, double moduleDropout) {
            return new Settings(r, alpha, alpha / r, rankDropout, moduleDropout);
        }

        /**
         * {@code config}'s settings for the module at {@code path}, as PEFT's {@code LycorisTuner._create_and_replace}
         * chooses them: rank and alpha from {@code rank_pattern} / {@code alpha_pattern}.
         */
        public static Settings of(LycorisConfig config, String path) {
            return of(config.rankFor(path), config.alphaFor(path), config.rankDropout(), config.moduleDropout());
        }
    }

    private final List<String> parameterNames;
    private final Random dropoutRandom = new Random();

    /**
     * @param base           a peft4j {@link Linear} or an initialized DJL {@code Linear}
     * @param parameterNames the method's parameter attributes, in PEFT's order ({@code hada_w1_a}, ...)
     */
    protected LycorisLayer(Block base, List<String> parameterNames) {
        super(base, false);
        this.parameterNames = List.copyOf(parameterNames);
        for (String n : parameterNames) {
            addAdapterModule(n, new ParameterDict());
        }
    }

    /** The base weight's shape, {@code [out, in]}. */
    protected final Shape baseWeightShape() {
        return new Shape(outFeatures(), inFeatures());
    }

    /**
     * Checks adapter {@code name} is new and its rank positive; a subclass calls this first in its {@code
     * updateLayer}, then {@link #addParameter} for each factor, then {@link #addSettings}.
     */
    protected final void checkNew(String name, Settings settings) {
        requirePositiveRank(settings.r());
        requireNewAdapter(name);
    }

    /**
     * Declares adapter {@code name}'s factors with {@code factors} ({@link #addParameter} and their initializers),
     * then records its settings; when declaring fails (a rank too large to draw), what was declared is removed again.
     */
    protected final void declareAdapter(String name, Settings settings, Runnable factors) {
        checkNew(name, settings);
        try {
            factors.run();
        } catch (RuntimeException e) {
            discardDeclared(name);
            throw e;
        }
        addSettings(name, settings);
    }

    /**
     * Records adapter {@code name}'s settings once its factors are declared, and creates the factors now when the
     * base weight exists (else at model initialization).
     */
    protected final void addSettings(String name, Settings settings) {
        addAdapter(name, settings);
        setActiveAdapters(activeAdapters()); // a new adapter that is not active does not train
    }

    /** Declares the factor {@code attribute.<adapter>} of the given shape; the subclass sets its initializer. */
    protected final Parameter addParameter(String attribute, String adapter, Shape shape) {
        return dict(attribute).put(adapter, shape);
    }

    /** PyTorch's {@code kaiming_uniform_(a=sqrt(5))} on a 2-D factor: U(-1/√fan_in, 1/√fan_in), drawn now. */
    protected static void kaimingUniform(Parameter p, Random rnd) {
        ai.peft4j.nn.Init.uniform(p, 1 / Math.sqrt(p.getShape().get(1)), rnd);
    }

    /** {@code zeros_}. */
    protected static void zeros(Parameter p) {
        p.setInitializer((manager, shape, dataType) -> manager.zeros(shape, dataType));
    }

    /** The factor that makes a new adapter a no-op: zero with {@code init_weights}, else kaiming-uniform. */
    protected static void zerosIfInit(Parameter p, boolean initWeights, Random rnd) {
        if (initWeights) {
            zeros(p);
        } else {
            kaimingUniform(p, rnd);
        }
    }

    private ParameterDict dict(String attribute) {
        return (ParameterDict) module(attribute);
    }

    /** Factor {@code attribute.<adapter>}, or {@code null} when this adapter has none under that name. */
    public final Parameter parameter(String attribute, String adapter) {
        return dict(attribute).get(adapter);
    }

    /** {@inheritDoc} Its factors, in attribute order. */
    @Override
    public final List<Parameter> adapterWeights(String name) {
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
        return adapterState(name);
    }

    /**
     * Adapter {@code name}'s weight change, shaped like the base weight, without rank dropout.
     *
     * @param values each factor's value: its array, or the value a forward pass reads from its parameter store
     */
    protected abstract NDArray deltaWeight(String name, Function<Parameter, NDArray> values);

    /** {@code ΔW} of adapter {@code name} (PEFT's {@code get_delta_weight} in eval mode), as a new array on {@code into}. */
    @Override
    public NDArray deltaWeight(String name, NDManager into) {
        settings(name);
        try (ForwardScope scope = ForwardScope.open()) {
            NDArray d = scope.keep(deltaWeight(name, Parameter::getArray).duplicate());
            d.attach(into);
            return d;
        }
    }

    /** Seeds the generator behind {@code rank_dropout} and {@code module_dropout} (for reproducible training). */
    public void seedDropout(long seed) {
        dropoutRandom.setSeed(seed);
    }

    /** {@code (..., in) -> (..., out)}. */
    @Override
    protected NDArray adaptedForward(ParameterStore ps, NDArray x, boolean training) {
        NDArray result = call("base_layer", ps, training, x);
        for (Map.Entry<String, Settings> e : activeStates().entrySet()) {
            Settings s = e.getValue();
            // PEFT: the adapter takes part unless training and torch.rand(1) <= module_dropout.
            if (training && dropoutRandom.nextDouble() <= s.moduleDropout()) {
                continue;
            }
            try (ForwardScope scope = ForwardScope.open()) {
                NDArray delta = deltaWeight(e.getKey(), p -> value(ps, p, x, training));
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
    protected String extraRepr() {
        return "in_features=" + inFeatures() + ", out_features=" + outFeatures() + ", r=" + perAdapter(Settings::r);
    }
}
