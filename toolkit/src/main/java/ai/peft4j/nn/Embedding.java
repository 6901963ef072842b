package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * PyTorch's {@code nn.Embedding}: a lookup table {@code weight [numEmbeddings, embeddingDim]}.
 * Input: integer ids {@code (...)}; output {@code (..., embeddingDim)}.
 */
public class Embedding extends WeightedModule {

    private final Integer paddingIdx;

    /**
     * @param paddingIdx the row kept at zero by the initializer (PyTorch's {@code padding_idx}), or
     *     null
     */
    public Embedding(long numEmbeddings, long embeddingDim, Integer paddingIdx) {
        super(Parameter.Type.WEIGHT, new Shape(numEmbeddings, embeddingDim), null);
        if (numEmbeddings <= 0 || embeddingDim <= 0) {
            throw new IllegalArgumentException(
                    "Embedding needs positive sizes, got " + numEmbeddings + " x " + embeddingDim);
        }
        this.paddingIdx = paddingIdx;
    }

    /**
     * An embedding whose weight is {@code shared} (tied weights, e.g. T5's {@code encoder.embed_tokens}, which is
     * the model's {@code shared} embedding under a second name).
     */
    public Embedding(Parameter shared) {
        super(shared);
        this.paddingIdx = null;
    }

    /** The number of rows, from the weight's shape {@code [numEmbeddings, embeddingDim]}. */
    public long numEmbeddings() {
        return weight().getShape().get(0);
    }

    /** The size of a row, from the weight's shape {@code [numEmbeddings, embeddingDim]}. */
    public long embeddingDim() {
        return weight().getShape().get(1);
    }

    /** PyTorch's {@code padding_idx}, or null. */
    public Integer paddingIdx() {
        return paddingIdx;
    }

    /** Looks up {@code ids} (any integer type). */
    @Override
    public NDArray forward(ParameterStore ps, NDArray ids, boolean training) {
        return ai.djl.nn.core.Embedding.embedding(ids, weight(ps, ids, training), SparseFormat.DENSE)
                .singletonOrThrow();
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(embeddingDim())};
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return numEmbeddings() + ", " + embeddingDim() + (paddingIdx != null ? ", padding_idx=" + paddingIdx : "");
    }
}
