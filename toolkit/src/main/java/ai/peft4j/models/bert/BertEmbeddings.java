package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.LayerNorm;
import ai.peft4j.nn.ModuleBlock;

/**
 * Word, absolute position and token-type embeddings, summed, then {@code LayerNorm} and {@code dropout}. Positions
 * run {@code P, P + 1, ...} after {@code P} past positions, whatever the padding (transformers' {@code position_ids}
 * buffer); token types are zeros when not given. Neither buffer is saved, as in transformers.
 */
public class BertEmbeddings extends ModuleBlock {

    private final int maxPositions;

    public BertEmbeddings(BertConfig c) {
        this(c, c.padTokenId(), null);
    }

    /**
     * The same modules with other padding rows: RoBERTa pads the word and the position embeddings at {@code
     * pad_token_id} and overrides {@link #positionIds}.
     */
    protected BertEmbeddings(BertFamilyConfig c, Integer wordPaddingIdx, Integer positionPaddingIdx) {
        int d = c.hiddenSize();
        maxPositions = c.maxPositionEmbeddings();
        addModule("word_embeddings", new Embedding(c.vocabSize(), d, wordPaddingIdx));
        addModule("position_embeddings", new Embedding(c.maxPositionEmbeddings(), d, positionPaddingIdx));
        addModule("token_type_embeddings", new Embedding(c.typeVocabSize(), d, null));
        addModule("LayerNorm", new LayerNorm(d, (float) c.layerNormEps(), true));
        addModule("dropout", new Dropout(c.hiddenDropoutProb()));
    }

    /** The token embedding ({@code get_input_embeddings()}). */
    public Embedding wordEmbeddings() {
        return (Embedding) module("word_embeddings");
    }

    /**
     * Embeddings {@code (B, T, D)}. Exactly one of {@code inputIds (B, T)} and {@code inputsEmbeds (B, T, D)} is given;
     * {@code tokenTypeIds (B, T)} may be null (all zeros).
     *
     * @throws IllegalArgumentException when {@code pastLength + T} exceeds {@code max_position_embeddings}
     */
    public NDArray forward(
            ParameterStore ps,
            NDArray inputIds,
            NDArray tokenTypeIds,
            NDArray inputsEmbeds,
            long pastLength,
            boolean training) {
        NDArray any = inputIds != null ? inputIds : inputsEmbeds;
        long b = any.getShape().get(0);
        long t = any.getShape().get(1);
        NDArray positionIds = positionIds(inputIds, inputsEmbeds, pastLength);
        NDArray embeds = inputsEmbeds != null ? inputsEmbeds : call("word_embeddings", ps, training, inputIds);
        if (tokenTypeIds == null) {
            tokenTypeIds = any.getManager().zeros(new Shape(b, t), DataType.INT64, any.getDevice());
        }
        NDArray h = embeds.add(call("token_type_embeddings", ps, training, tokenTypeIds)); // (B, T, D)
        h = h.add(call("position_embeddings", ps, training, positionIds)); // + (1, T, D)
        h = call("LayerNorm", ps, training, h);
        return call("dropout", ps, training, h);
    }

    /**
     * The position ids, {@code (1, T)} or {@code (B, T)} int64: BERT's are {@code P, ..., P + T - 1}.
     *
     * @throws IllegalArgumentException when {@code pastLength + T} exceeds {@code max_position_embeddings}
     */
    protected NDArray positionIds(NDArray inputIds, NDArray inputsEmbeds, long pastLength) {
        NDArray any = inputIds != null ? inputIds : inputsEmbeds;
        long t = any.getShape().get(1);
        if (pastLength + t > maxPositions) {
            throw new IllegalArgumentException("the sequence has " + (pastLength + t) + " positions"
                    + (pastLength > 0 ? " (" + pastLength + " past + " + t + " new)" : "")
                    + " but max_position_embeddings is "
                    + maxPositions + "; truncate the input");
        }
        return any.getManager()
                .arange(pastLength, pastLength + t, 1, DataType.INT64, any.getDevice())
                .reshape(1, t);
    }

    /** {@inheritDoc} Inputs: input ids, then optionally token type ids. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray tokenTypes = optionalInput(inputs, 1);
        return new NDList(forward(ps, inputs.get(0), tokenTypes, null, 0, training));
    }
}
