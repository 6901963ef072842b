package ai.peft4j.models;

import ai.peft4j.nn.Embedding;

/**
 * A bare architecture that task classes wrap (transformers' {@code base_model}: {@code BertModel}, {@code
 * OPTModel}, ...), added with {@link PreTrainedModel#addBaseModel}.
 */
public interface BaseModel {

    /** The token embedding ({@code get_input_embeddings()}). */
    Embedding inputEmbeddings();
}
