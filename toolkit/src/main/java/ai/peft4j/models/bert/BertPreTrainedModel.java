package ai.peft4j.models.bert;

import ai.djl.nn.Block;

/**
 * What transformers' BERT task heads inherit from {@code BertPreTrainedModel}: the encoder under {@code bert}. Each
 * head extends its task's base class ({@code PreTrainedModelForSequenceClassification}, ...), so the shared part is
 * this interface rather than a common superclass.
 *
 * <pre>{@code
 * BertModel encoder = new BertForTokenClassification(BertConfig.named("bert-base-uncased")).bert();
 * }</pre>
 */
public interface BertPreTrainedModel {

    /** The bare model, added under {@code bert} (see {@code PreTrainedModel#baseModel()}). */
    Block baseModel();

    /** The encoder ({@code bert}): embeddings, layers and, for sequence classification, the pooler. */
    default BertModel bert() {
        return (BertModel) baseModel();
    }
}
