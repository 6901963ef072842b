package ai.peft4j;

import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.PreTrainedModelForTokenClassification;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.TokenClassifierOutput;

/**
 * PEFT's {@code PeftModelForTokenClassification}: a {@link PeftModel} around a token classifier whose head ({@code
 * classifier} or {@code score}) trains in full as a {@code modules_to_save} copy.
 *
 * <p>With prompt learning the forward is PEFT's: prompt tuning and p-tuning prepend the virtual tokens to the word
 * embeddings, extend the attention mask with ones and {@code token_type_ids} with zeros, so the logits are {@code
 * (B, P + T, num_labels)} and labels, when given, must cover those {@code P + T} positions too (PEFT passes labels of
 * length T on and fails; put -100 on the virtual tokens). Prefix tuning passes the prefix as past keys and values and
 * extends only the mask: logits and labels stay {@code (B, T)}.
 *
 * <pre>{@code
 * var bert = BertForTokenClassification.fromConfig(BertConfig.named("bert-base-uncased"), 42);
 * var peft = (PeftModelForTokenClassification) Peft.lora().r(8).task(TaskType.TOKEN_CLS).apply(bert);
 * peft.printTrainableParameters();   // LoRA on query and value, plus a trainable copy of the classifier
 * TokenClassifierOutput out = peft.forward(inputIds, attentionMask, labels);
 * }</pre>
 */
public class PeftModelForTokenClassification
        extends PeftModelForClassifier<PreTrainedModelForTokenClassification, TokenClassifierOutput> {

    PeftModelForTokenClassification(
            PreTrainedModelForTokenClassification model, PeftConfig config, String adapterName) {
        super(model, config, adapterName, PreTrainedModelForTokenClassification::forward);
    }

    /** {@inheritDoc} With virtual tokens in front, labels must cover them too (see the class comment). */
    @Override
    protected void checkLabels(SequenceClassifierInputs in, VirtualTokenInputs v) {
        long t = in.any().getShape().get(1);
        int p = v.numVirtualTokens();
        if (v.pastKeyValues() == null
                && in.labels() != null
                && in.labels().getShape().dimension() == 2
                && in.labels().getShape().get(1) == t) {
            throw new IllegalArgumentException(
                    "with " + activePrompts().activeConfig().peftType() + " the logits cover the "
                            + p + " virtual tokens and the " + t + " input tokens, so labels need " + (p + t)
                            + " columns, found " + t
                            + ": prepend " + p
                            + " columns of -100 (PEFT 0.10 passes the labels on unchanged and fails on them)");
        }
    }
}
