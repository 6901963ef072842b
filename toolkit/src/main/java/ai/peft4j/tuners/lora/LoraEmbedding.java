package ai.peft4j.tuners.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ModuleDict;
import ai.peft4j.nn.ParameterDict;
import ai.peft4j.nn.UnaryModule;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.Initialization;
import ai.peft4j.tuners.TunerLayer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * PEFT's {@code lora.Embedding}: an embedding table plus low-rank updates kept as plain parameters,
 * {@code lora_embedding_A.<name>} {@code [r, num_embeddings]} and {@code lora_embedding_B.<name>}
 * {@code [embedding_dim, r]}:
 *
 * <pre>
 *   y = base(ids) + embedding(ids, Aᵀ) · Bᵀ · scaling        merged:  W' = W + (B·A)ᵀ · scaling
 * </pre>
 *
 * <p>PEFT's inverted start: A zeros and B standard normal ({@code init_lora_weights} true or
 * "gaussian"), both standard normal with {@code false}. As in PEFT 0.10, {@code lora_dropout} is
 * registered but not applied, the base's {@code padding_idx} row of {@code Aᵀ} gets no gradient,
 * and DoRA is refused.
 *
 * <pre>{@code
 * LoraEmbedding e = new LoraEmbedding(new Embedding(64, 16, 1));
 * e.updateLayer("default", 4, 8, 0.0, LoraConfig.InitLoraWeights.TRUE, false, new Random(0));
 * }</pre>
 */
public class LoraEmbedding extends UnaryModule implements TunerLayer {

    /** One adapter: its rank, scaling and the two factors. */
    private record Adapter(int r, double scaling, Parameter a, Parameter b) {
        List<Parameter> weights() {
            return List.of(a, b);
        }
    }

    private final long numEmbeddings;
    private final long embeddingDim;
    private final ModuleDict<Dropout> loraDropout;
    private final ParameterDict loraEmbeddingA;
    private final ParameterDict loraEmbeddingB;
    private final Map<String, Adapter> adapters = new LinkedHashMap<>();
    private List<String> active = new ArrayList<>();
    private final List<String> merged = new ArrayList<>();
    private boolean disabled;

    /** Wraps {@code base}. */
    public LoraEmbedding(Embedding base) {
        numEmbeddings = base.numEmbeddings();
        embeddingDim = base.embeddingDim();
        addModule("base_layer", base);
        loraDropout = addModule("lora_dropout", new ModuleDict<>());
        loraEmbeddingA = addModule("lora_embedding_A", new ParameterDict());
        loraEmbeddingB = addModule("lora_embedding_B", new ParameterDict());
    }

    /**
     * Adds adapter {@code name}.
     *
     * @throws IllegalArgumentException for {@code useDora} (as PEFT 0.10) or a rank below 1
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
        if (useDora) {
            throw new IllegalArgumentException("Embedding does not support DoRA yet, please set it to False"
                    + " (use_dora=false), or leave the embedding out of target_modules");
        }
        if (r <= 0) {
            throw new IllegalArgumentException("`r` should be a positive integer value but the value passed is " + r);
        }
        if (adapters.containsKey(name)) {
            throw new IllegalArgumentException("adapter '" + name + "' already exists in this layer");
        }
        if (init == LoraConfig.InitLoraWeights.LOFTQ) {
            throw new IllegalArgumentException("init_lora_weights=\"loftq\" is not supported by peft4j yet");
        }
        Parameter a = loraEmbeddingA.put(name, new Shape(r, numEmbeddings));
        Parameter b = loraEmbeddingB.put(name, new Shape(embeddingDim, r));
        // Draw now, in a fixed order, so that the values do not depend on when they are allocated.
        boolean random = init == LoraConfig.InitLoraWeights.FALSE;
        float[] aValues = random ? normal(a.getShape(), rnd) : new float[drawable(a.getShape())];
        float[] bValues = normal(b.getShape(), rnd);
        a.setInitializer((m, shape, dt) -> m.create(aValues, shape).toType(dt, false));
        b.setInitializer((m, shape, dt) -> m.create(bValues, shape).toType(dt, false));
        double scale = useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
        Adapter adapter = new Adapter(r, scale, a, b);
        Parameter w = base().weight();
        if (w.isInitialized()) {
            adapter.weights()
                    .forEach(p ->
                            p.initialize(w.getArray().getManager(), w.getArray().getDataType()));
        }
        loraDropout.put(name, new Dropout(dropout));
        adapters.put(name, adapter);
    }

    /** The size of a new factor, or a config error naming {@code r} when it cannot be held. */
    private static int drawable(Shape shape) {
        return Initialization.drawableLength(shape, "'r' and 'rank_pattern'");
    }

    private static float[] normal(Shape shape, Random rnd) {
        float[] v = new float[drawable(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private Embedding base() {
        return (Embedding) baseLayer();
    }

    /** {@inheritDoc} */
    @Override
    public Block baseLayer() {
        return module("base_layer");
    }

    /** {@code lora_embedding_A} of adapter {@code name}, {@code [r, num_embeddings]}. */
    public Parameter loraEmbeddingA(String name) {
        return adapter(name).a();
    }

    /** {@code lora_embedding_B} of adapter {@code name}, {@code [embedding_dim, r]}. */
    public Parameter loraEmbeddingB(String name) {
        return adapter(name).b();
    }

    /** The scaling factor of adapter {@code name}. */
    public double scaling(String name) {
        return adapter(name).scaling();
    }

    private Adapter adapter(String name) {
        Adapter a = adapters.get(name);
        if (a == null) {
            throw new IllegalArgumentException(
                    "no adapter '" + name + "' in this layer; adapters: " + adapters.keySet());
        }
        return a;
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
        loraDropout.remove(name);
        loraEmbeddingA.remove(name).close();
        loraEmbeddingB.remove(name).close();
        adapters.remove(name);
        active.remove(name);
    }

    /** {@code (B·A)ᵀ · scaling}, shaped like the table {@code [num_embeddings, embedding_dim]}, on {@code into}. */
    public NDArray deltaWeight(String name, NDManager into) {
        Adapter adapter = adapter(name);
        NDArray a = adapter.a().getArray();
        NDArray b = adapter.b().getArray();
        try (NDManager scope = into.newSubManager()) {
            scope.tempAttachAll(a, b);
            NDArray out = b.matMul(a).transpose().mul(adapter.scaling()).duplicate();
            out.attach(into);
            return out;
        }
    }

    /** {@inheritDoc} */
    @Override
    public void merge(List<String> names, boolean safe) {
        NDArray w = base().weight().getArray();
        for (String name : names) {
            if (!adapters.containsKey(name)) {
                continue;
            }
            if (merged.contains(name)) {
                throw new IllegalStateException("adapter '" + name + "' is already merged");
            }
            try (NDManager scope = w.getManager().newSubManager()) {
                NDArray sum = deltaWeight(name, scope).add(w);
                if (safe
                        && (sum.isNaN().any().getBoolean()
                                || sum.isInfinite().any().getBoolean())) {
                    throw new IllegalStateException("NaNs or infinities detected in the merged weights; adapter '"
                            + name + "' seems to be broken, nothing was merged");
                }
                Weights.copyInto(w, sum);
            }
            merged.add(name);
        }
    }

    /** {@inheritDoc} */
    @Override
    public void unmerge() {
        NDArray w = base().weight().getArray();
        while (!merged.isEmpty()) {
            String name = merged.remove(merged.size() - 1);
            try (NDManager scope = w.getManager().newSubManager()) {
                w.subi(deltaWeight(name, scope));
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public List<String> mergedAdapters() {
        return List.copyOf(merged);
    }

    /** {@code (...) ids -> (..., embedding_dim)}. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray ids, boolean training) {
        if (disabled && isMerged()) {
            unmerge();
        }
        NDArray result = call("base_layer", ps, training, ids);
        if (disabled || isMerged()) {
            return result;
        }
        Integer padding = base().paddingIdx();
        for (String name : active) {
            Adapter adapter = adapters.get(name);
            if (adapter == null) {
                continue;
            }
            NDArray a = value(ps, adapter.a(), ids, training);
            NDArray b = value(ps, adapter.b(), ids, training);
            NDArray afterA = ai.djl.nn.core.Embedding.embedding(ids, a.transpose(), SparseFormat.DENSE)
                    .singletonOrThrow();
            if (padding != null) {
                // F.embedding's padding_idx: the padding row gets no gradient (its value is used as is).
                NDArray keep = ids.neq(padding).expandDims(-1).toType(afterA.getDataType(), false);
                afterA = afterA.mul(keep)
                        .add(afterA.stopGradient().mul(keep.neg().add(1)));
            }
            result = result.add(afterA.matMul(b.transpose()).mul(adapter.scaling()));
        }
        return result;
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
        adapters.values().forEach(a -> a.weights().forEach(p -> p.initialize(manager, dataType)));
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim;
    }
}
