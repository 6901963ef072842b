/**
 * RoBERTa, as transformers implements {@code RobertaForSequenceClassification}: word, position
 * (counted from the padding index) and token-type embeddings, post-LN encoder layers with a GELU
 * MLP, and a classification head on the first token. Classes follow the data flow: {@link
 * ai.peft4j.models.roberta.RobertaEmbeddings}, {@link ai.peft4j.models.roberta.RobertaSelfAttention},
 * {@link ai.peft4j.models.roberta.RobertaSelfOutput}, {@link
 * ai.peft4j.models.roberta.RobertaAttention}, {@link ai.peft4j.models.roberta.RobertaIntermediate},
 * {@link ai.peft4j.models.roberta.RobertaOutput}, {@link ai.peft4j.models.roberta.RobertaLayer},
 * {@link ai.peft4j.models.roberta.RobertaEncoder}, {@link ai.peft4j.models.roberta.RobertaModel},
 * {@link ai.peft4j.models.roberta.RobertaClassificationHead}, {@link
 * ai.peft4j.models.roberta.RobertaForSequenceClassification}.
 *
 * <p>Shapes: B batch, T sequence length, D hidden size, H heads, hd = D / H, L num_labels.
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}.
 */
package ai.peft4j.models.roberta;
