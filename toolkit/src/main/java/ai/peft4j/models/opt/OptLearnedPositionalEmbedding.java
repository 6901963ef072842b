package ai.peft4j.models.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Embedding;

/**
 * OPT's learned positions: an embedding with {@code max_position_embeddings + 2} rows, indexed by
 * {@code cumsum(mask) * mask - 1 + 2}. Padding therefore reads row 1 and the first real token row
 * 2, whichever side the padding is on.
 */
public class OptLearnedPositionalEmbedding extends Embedding {

    /** The row offset that fairseq's OPT checkpoints were trained with. */
    public static final int OFFSET = 2;

    public OptLearnedPositionalEmbedding(long numEmbeddings, long embeddingDim) {
        super(numEmbeddings + OFFSET, embeddingDim, null);
    }

    /** Position embeddings {@code (B, T, D)} for an attention mask {@code (B, S)}. */
    public NDArray forward(ParameterStore ps, NDArray attentionMask, int pastLength, boolean training) {
        NDArray mask = attentionMask.toType(DataType.INT64, false);
        NDArray positions = mask.cumSum(1).mul(mask).sub(1); // (B, S)
        if (pastLength > 0) {
            positions = positions.get(":, " + pastLength + ":");
        }
        return super.forward(ps, positions.add(OFFSET), training);
    }
}
