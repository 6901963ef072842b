/**
 * RoBERTa, as transformers implements {@code RobertaForSequenceClassification}: BERT's encoder ({@code
 * models.bert}'s blocks, under the same module names) over {@link ai.peft4j.models.roberta.RobertaEmbeddings}, whose
 * positions are counted from the padding index, and a classification head on the first token. Classes: {@link
 * ai.peft4j.models.roberta.RobertaConfig}, {@link ai.peft4j.models.roberta.RobertaEmbeddings}, {@link
 * ai.peft4j.models.roberta.RobertaModel}, {@link ai.peft4j.models.roberta.RobertaClassificationHead}, {@link
 * ai.peft4j.models.roberta.RobertaForSequenceClassification}.
 *
 * <p>Shapes: B batch, T sequence length, D hidden size, H heads, hd = D / H, L num_labels.
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}, {@code models.bert}.
 */
package ai.peft4j.models.roberta;
