package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.models.BaseModel;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.ModuleBlock;
import java.util.List;

/**
 * transformers' {@code BertModel}: {@code embeddings}, {@code encoder} and, unless built with {@code
 * addPoolingLayer = false} (as the token-classification and question-answering heads do), a {@code pooler}.
 *
 * <pre>{@code
 * BertModel bert = new BertForSequenceClassification(BertConfig.named("bert-base-uncased")).bert();
 * NDArray hidden = bert.forward(ps, SequenceClassifierInputs.of(ids, mask, null), false);   // (B, T, D)
 * NDArray pooled = bert.pool(ps, hidden, false);                                             // (B, D)
 * }</pre>
 */
public class BertModel extends ModuleBlock implements BaseModel {

    private final boolean hasPooler;

    /** The bare model as {@code BertModel(config, add_pooling_layer)} builds it. */
    public BertModel(BertConfig c, boolean addPoolingLayer) {
        this(c, new BertEmbeddings(c), addPoolingLayer);
    }

    /** The same model over other {@code embeddings} (RoBERTa's positions). */
    protected BertModel(BertFamilyConfig c, BertEmbeddings embeddings, boolean addPoolingLayer) {
        hasPooler = addPoolingLayer;
        addModule("embeddings", embeddings);
        addModule("encoder", new BertEncoder(c));
        if (addPoolingLayer) {
            addModule("pooler", new BertPooler(c));
        }
    }

    public BertEmbeddings embeddings() {
        return (BertEmbeddings) module("embeddings");
    }

    /** {@inheritDoc} The {@code word_embeddings} of {@link #embeddings()}. */
    @Override
    public Embedding inputEmbeddings() {
        return embeddings().wordEmbeddings();
    }

    public BertEncoder encoder() {
        return (BertEncoder) module("encoder");
    }

    /** Whether the model has a {@code pooler}. */
    public boolean hasPooler() {
        return hasPooler;
    }

    /** The last hidden states {@code (B, T, D)} of {@code in}; its labels are ignored. */
    public NDArray forward(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        return forward(
                ps,
                in.inputIds(),
                in.inputsEmbeds(),
                in.attentionMask(),
                in.tokenTypeIds(),
                in.pastKeyValues(),
                training);
    }

    /**
     * The last hidden states {@code (B, T, D)}. Exactly one of {@code inputIds (B, T)} and {@code inputsEmbeds (B, T,
     * D)} is given; {@code attentionMask} and {@code tokenTypeIds} may be null. With past keys and values of length
     * {@code P} (prefix tuning; one {@code (key, value)} pair per layer, {@code (B, H, P, hd)} each) the attention
     * mask, when given, covers {@code P + T} positions and the positions start at {@code P}, as in transformers.
     */
    public NDArray forward(
            ParameterStore ps,
            NDArray inputIds,
            NDArray inputsEmbeds,
            NDArray attentionMask,
            NDArray tokenTypeIds,
            List<NDList> past,
            boolean training) {
        if ((inputIds == null) == (inputsEmbeds == null)) {
            throw new IllegalArgumentException("give exactly one of input_ids and inputs_embeds");
        }
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            long pastLength = past == null || past.isEmpty()
                    ? 0
                    : past.get(0).get(0).getShape().get(2);
            NDArray h = embeddings().forward(ps, inputIds, tokenTypeIds, inputsEmbeds, pastLength, training);
            long b = h.getShape().get(0);
            long t = h.getShape().get(1);
            NDArray attention = attentionMask;
            if (attention == null && past != null) {
                // transformers: ones over past + current positions
                attention = h.getManager().ones(new Shape(b, pastLength + t), DataType.INT64, h.getDevice());
            }
            if (attention != null && attention.getShape().get(1) != pastLength + t) {
                throw new IllegalArgumentException(
                        "the attention mask has length " + attention.getShape().get(1) + ", expected "
                                + (pastLength + t) + " (past " + pastLength + " + current " + t + ")");
            }
            NDArray mask = attention == null ? null : extendedAttentionMask(attention, h.getDataType());
            return scope.keep(encoder().forward(ps, h, mask, past, training));
        }
    }

    /** The pooled output {@code (B, D)} of last hidden states {@code (B, T, D)}. */
    public NDArray pool(ParameterStore ps, NDArray lastHiddenState, boolean training) {
        if (!hasPooler) {
            throw new IllegalStateException(
                    "this " + getClass().getSimpleName() + " was built without a pooler (add_pooling_layer=False)");
        }
        return ((BertPooler) module("pooler")).forward(ps, lastHiddenState, training);
    }

    /**
     * transformers' {@code get_extended_attention_mask} for an encoder: {@code (1 - mask) * float_min}, shaped {@code
     * (B, 1, 1, S)} to add to the scores of every head and query.
     */
    public static NDArray extendedAttentionMask(NDArray attentionMask, DataType dtype) {
        long s = attentionMask.getShape().get(1);
        NDArray m = attentionMask.toType(dtype, false).reshape(-1, 1, 1, s);
        return m.neg().add(1f).mul(-Float.MAX_VALUE);
    }

    /** {@inheritDoc} Inputs: input ids, then optionally the attention mask and token type ids. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray h =
                forward(ps, inputs.get(0), null, optionalInput(inputs, 1), optionalInput(inputs, 2), null, training);
        return hasPooler ? new NDList(h, pool(ps, h, training)) : new NDList(h);
    }
}
