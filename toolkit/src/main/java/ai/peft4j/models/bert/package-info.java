/**
 * Google's BERT, as transformers implements {@code BertModel} and its task heads: word, absolute position and
 * token-type embeddings, post-LN encoder layers with a GELU MLP, a {@code [CLS]} pooler, and heads for sequence
 * classification, token classification and extractive question answering. Classes follow the data flow: {@link
 * ai.peft4j.models.bert.BertEmbeddings}, {@link ai.peft4j.models.bert.BertSelfAttention}, {@link
 * ai.peft4j.models.bert.BertSelfOutput}, {@link ai.peft4j.models.bert.BertAttention}, {@link
 * ai.peft4j.models.bert.BertIntermediate}, {@link ai.peft4j.models.bert.BertOutput}, {@link
 * ai.peft4j.models.bert.BertLayer}, {@link ai.peft4j.models.bert.BertEncoder}, {@link
 * ai.peft4j.models.bert.BertPooler}, {@link ai.peft4j.models.bert.BertModel}, then {@link
 * ai.peft4j.models.bert.BertForSequenceClassification}, {@link ai.peft4j.models.bert.BertForTokenClassification}
 * and {@link ai.peft4j.models.bert.BertForQuestionAnswering}.
 *
 * <p>Shapes: B batch, T sequence length, P past (prefix) length, S = P + T, D hidden size, H heads, hd = D / H, L
 * num_labels.
 */
package ai.peft4j.models.bert;
