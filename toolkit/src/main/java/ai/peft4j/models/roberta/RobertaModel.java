package ai.peft4j.models.roberta;

import ai.peft4j.models.bert.BertModel;

/**
 * transformers' {@code RobertaModel}: {@link BertModel} with RoBERTa's {@link RobertaEmbeddings} (positions counted
 * from the padding index). The encoder blocks and their module names are BERT's: {@code embeddings}, {@code
 * encoder.layer.N.attention.self.query}, ... and, unless built with {@code addPoolingLayer = false} (as the task
 * heads do), a {@code pooler}.
 *
 * <pre>{@code
 * RobertaModel roberta = new RobertaModel(RobertaConfig.named("roberta-base"), true);
 * NDArray hidden = roberta.forward(ps, SequenceClassifierInputs.of(ids, mask, null), false);   // (B, T, D)
 * }</pre>
 */
public class RobertaModel extends BertModel {

    /** The bare model as {@code RobertaModel(config, add_pooling_layer)} builds it. */
    public RobertaModel(RobertaConfig c, boolean addPoolingLayer) {
        super(c, new RobertaEmbeddings(c), addPoolingLayer);
    }

    /** {@inheritDoc} */
    @Override
    public RobertaEmbeddings embeddings() {
        return (RobertaEmbeddings) super.embeddings();
    }
}
