package ai.peft4j.models.roberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.bert.BertEmbeddings;

/**
 * Word, position and token-type embeddings, summed, then {@code LayerNorm} and {@code dropout}.
 *
 * <p>Positions are counted from the padding index, as fairseq did: with token ids, {@code
 * cumsum(ids != pad) * (ids != pad) + pad}, so padding reads row {@code pad} and the first real
 * token row {@code pad + 1} (the attention mask plays no part); with {@code inputs_embeds}, padding
 * cannot be seen and positions run {@code pad + 1, pad + 2, ...} for every row.
 *
 * <p>transformers' {@code position_ids} and {@code token_type_ids} buffers are not saved and not
 * kept here: the same values are computed in {@link #forward}.
 */
public class RobertaEmbeddings extends BertEmbeddings {

    private final int paddingIdx;

    public RobertaEmbeddings(RobertaConfig c) {
        super(c, c.padTokenId(), c.padTokenId());
        paddingIdx = c.padTokenId();
    }

    /**
     * Embeddings {@code (B, T, D)}. Exactly one of {@code inputIds (B, T)} and {@code inputsEmbeds
     * (B, T, D)} is given; {@code tokenTypeIds (B, T)} may be null (all zeros).
     */
    public NDArray forward(
            ParameterStore ps, NDArray inputIds, NDArray tokenTypeIds, NDArray inputsEmbeds, boolean training) {
        return forward(ps, inputIds, tokenTypeIds, inputsEmbeds, 0, training);
    }

    /**
     * {@inheritDoc} After {@code pastLength} past positions, positions from token ids are {@code (cumsum(ids != pad) +
     * past) * (ids != pad) + pad}; positions from {@code inputs_embeds} ignore the past, as transformers 4.39 does.
     */
    @Override
    protected NDArray positionIds(NDArray inputIds, NDArray inputsEmbeds, long pastLength) {
        return inputIds != null
                ? positionIdsFromInputIds(inputIds, paddingIdx, pastLength)
                : positionIdsFromEmbeds(inputsEmbeds);
    }

    /** {@code cumsum(ids != pad) * (ids != pad) + pad}, int64 {@code (B, T)}. */
    public static NDArray positionIdsFromInputIds(NDArray inputIds, int paddingIdx) {
        return positionIdsFromInputIds(inputIds, paddingIdx, 0);
    }

    /** {@code (cumsum(ids != pad) + past) * (ids != pad) + pad}, int64 {@code (B, T)}. */
    public static NDArray positionIdsFromInputIds(NDArray inputIds, int paddingIdx, long pastLength) {
        NDArray mask = inputIds.neq(paddingIdx).toType(DataType.INT64, false); // (B, T)
        return mask.cumSum(1).add(pastLength).mul(mask).add(paddingIdx);
    }

    /** {@code pad + 1, ..., pad + T} for every row, int64 {@code (B, T)}. */
    NDArray positionIdsFromEmbeds(NDArray inputsEmbeds) {
        NDManager m = inputsEmbeds.getManager();
        long b = inputsEmbeds.getShape().get(0);
        long t = inputsEmbeds.getShape().get(1);
        NDArray row = m.arange(paddingIdx + 1, paddingIdx + 1 + t, 1, DataType.INT64, inputsEmbeds.getDevice());
        return row.reshape(1, t).broadcast(new Shape(b, t));
    }
}
