package ai.peft4j.tuners.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ModuleDict;
import ai.peft4j.nn.ParameterDict;
import ai.peft4j.tuners.BaseTunerLayer;
import ai.peft4j.tuners.Initialization;
import ai.peft4j.tuners.MixedBatch;
import java.util.List;
import java.util.Random;

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
 * e.updateLayer("default", 4, 8, 0.0, LoraConfig.InitLoraWeights.TRUE, false, false, new Random(0));
 * }</pre>
 */
public class LoraEmbedding extends BaseTunerLayer<LoraEmbedding.Adapter> implements LoraLayer {

    /** One adapter: its rank, scaling and the two factors. */
    record Adapter(int r, double scaling, Parameter a, Parameter b) {}

    private final ModuleDict<Dropout> loraDropout;
    private final ParameterDict loraEmbeddingA;
    private final ParameterDict loraEmbeddingB;

    /** Wraps {@code base}. */
    public LoraEmbedding(Embedding base) {
        super(base, true); // the table is [num_embeddings, embedding_dim]: PEFT's in and out features
        loraDropout = addAdapterModule("lora_dropout", new ModuleDict<>());
        loraEmbeddingA = addAdapterModule("lora_embedding_A", new ParameterDict());
        loraEmbeddingB = addAdapterModule("lora_embedding_B", new ParameterDict());
    }

    /** {@inheritDoc} Refuses {@code useDora}, as PEFT 0.10 does. */
    @Override
    public void updateLayer(String name, Settings settings, Random rnd) {
        if (settings.useDora()) {
            throw new IllegalArgumentException("Embedding does not support DoRA yet, please set it to False"
                    + " (use_dora=false), or leave the embedding out of target_modules");
        }
        int r = settings.r();
        requirePositiveRank(r);
        requireNewAdapter(name);
        if (settings.init() == LoraConfig.InitLoraWeights.LOFTQ) {
            throw new IllegalArgumentException("init_lora_weights=\"loftq\" is not supported by peft4j yet");
        }
        Shape aShape = new Shape(r, inFeatures());
        Shape bShape = new Shape(outFeatures(), r);
        // Draw now, in a fixed order, so that the values do not depend on when they are allocated; a size too
        // large to hold is refused before anything is registered.
        boolean random = settings.init() == LoraConfig.InitLoraWeights.FALSE;
        float[] aValues = random ? normal(aShape, rnd) : new float[drawable(aShape)];
        float[] bValues = normal(bShape, rnd);
        Parameter a = loraEmbeddingA.put(name, aShape);
        Parameter b = loraEmbeddingB.put(name, bShape);
        a.setInitializer((m, shape, dt) -> m.create(aValues, shape).toType(dt, false));
        b.setInitializer((m, shape, dt) -> m.create(bValues, shape).toType(dt, false));
        loraDropout.put(name, new Dropout(settings.dropout()));
        addAdapter(name, new Adapter(r, settings.scaling(), a, b));
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

    /** {@code lora_embedding_A} of adapter {@code name}, {@code [r, num_embeddings]}. */
    public Parameter loraEmbeddingA(String name) {
        return adapterState(name).a();
    }

    /** {@code lora_embedding_B} of adapter {@code name}, {@code [embedding_dim, r]}. */
    public Parameter loraEmbeddingB(String name) {
        return adapterState(name).b();
    }

    /** The scaling factor of adapter {@code name}. */
    public double scaling(String name) {
        return adapterState(name).scaling();
    }

    /** {@inheritDoc} A, then B. */
    @Override
    public List<Parameter> adapterWeights(String name) {
        Adapter adapter = adapterState(name);
        return List.of(adapter.a(), adapter.b());
    }

    /** {@code (B·A)ᵀ · scaling}, shaped like the table {@code [num_embeddings, embedding_dim]}, on {@code into}. */
    @Override
    public NDArray deltaWeight(String name, NDManager into) {
        Adapter adapter = adapterState(name);
        NDArray a = adapter.a().getArray();
        NDArray b = adapter.b().getArray();
        return computeOn(into, scope -> {
            scope.tempAttachAll(a, b);
            return b.matMul(a).transpose().mul(adapter.scaling());
        });
    }

    /** {@code (...) ids -> (..., embedding_dim)}. */
    @Override
    protected NDArray adaptedForward(ParameterStore ps, NDArray ids, boolean training) {
        NDArray result = call("base_layer", ps, training, ids);
        List<String> adapterNames = MixedBatch.current();
        if (adapterNames != null) {
            // PEFT's _mixed_batch_forward: each named adapter on its own rows (no gradients: training is refused).
            return MixedBatch.addPerAdapter(result, ids, adapterNames, adapterNames()::contains, (name, sub) -> {
                Adapter adapter = adapterState(name);
                NDArray a = value(ps, adapter.a(), sub, training);
                NDArray b = value(ps, adapter.b(), sub, training);
                NDArray afterA = ai.djl.nn.core.Embedding.embedding(sub, a.transpose(), SparseFormat.DENSE)
                        .singletonOrThrow();
                return afterA.matMul(b.transpose()).mul(adapter.scaling());
            });
        }
        Integer padding = base().paddingIdx();
        for (Adapter adapter : activeStates().values()) {
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
    protected String extraRepr() {
        return inFeatures() + ", " + outFeatures();
    }
}
