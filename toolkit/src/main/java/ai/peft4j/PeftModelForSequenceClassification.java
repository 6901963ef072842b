package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.SequenceClassifierOutput;
import java.util.List;

/**
 * PEFT's {@code PeftModelForSequenceClassification}: a {@link PeftModel} around a sequence classifier whose head
 * ({@code classifier} or {@code score}) trains in full as a {@code modules_to_save} copy.
 *
 * <p>With prompt learning the forward is PEFT's: prompt tuning and p-tuning prepend the virtual tokens to the word
 * embeddings (the model runs on {@code inputs_embeds}), extend the attention mask with ones and {@code token_type_ids}
 * with zeros; prefix tuning passes the prefix as past keys and values and extends only the mask. A RoBERTa head then
 * reads the first position, which is the first virtual token.
 *
 * <pre>{@code
 * var roberta = RobertaForSequenceClassification.fromPretrained(Path.of("roberta-large"));
 * var peft = (PeftModelForSequenceClassification) Peft.pTuning().virtualTokens(20).encoderHiddenSize(128)
 *     .task(TaskType.SEQ_CLS).apply(roberta);
 * peft.printTrainableParameters();
 * SequenceClassifierOutput out = peft.forward(inputIds, attentionMask, labels);
 * }</pre>
 */
public class PeftModelForSequenceClassification
        extends PeftModelForClassifier<PreTrainedModelForSequenceClassification, SequenceClassifierOutput> {

    /** The heads PEFT adds to {@code modules_to_save} for this task (and for token classification). */
    public static final List<String> CLASSIFIER_NAMES = List.of("classifier", "score");

    PeftModelForSequenceClassification(
            PreTrainedModelForSequenceClassification model, PeftConfig config, String adapterName) {
        super(model, config, adapterName, PreTrainedModelForSequenceClassification::forward);
    }

    /** The loss of the typed {@code forward} for a labelled batch. */
    @Override
    public NDArray loss(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray labels, boolean training) {
        return forward(ps, SequenceClassifierInputs.of(inputIds, attentionMask, labels), training)
                .loss();
    }
}
