package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.SequenceClassifierOutput;
import ai.peft4j.nn.ForwardScope;
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
public class PeftModelForSequenceClassification extends PeftModel {

    /** The heads PEFT adds to {@code modules_to_save} for this task. */
    public static final List<String> CLASSIFIER_NAMES = List.of("classifier", "score");

    private final PreTrainedModelForSequenceClassification classifierModel;

    PeftModelForSequenceClassification(
            PreTrainedModelForSequenceClassification model, PeftConfig config, String adapterName) {
        super(model, config, adapterName);
        this.classifierModel = model;
    }

    /** {@inheritDoc} {@code classifier} or {@code score}, whichever the model has. */
    @Override
    protected List<String> taskModulesToSave() {
        return CLASSIFIER_NAMES;
    }

    /** The wrapped classifier (with the head wrapped). */
    @Override
    public PreTrainedModelForSequenceClassification getBaseModel() {
        return classifierModel;
    }

    /** Logits {@code (B, num_labels)} and, with labels, the loss, in the model's current mode. */
    public SequenceClassifierOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        return forward(SequenceClassifierInputs.of(inputIds, attentionMask, labels));
    }

    /** {@link #forward(NDArray, NDArray, NDArray)} for any inputs. */
    public SequenceClassifierOutput forward(SequenceClassifierInputs in) {
        ParameterStore ps = new ParameterStore(in.any().getManager(), false);
        return forward(ps, in, classifierModel.isTraining());
    }

    /** The full forward pass with an explicit parameter store and mode. */
    public SequenceClassifierOutput forward(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        if (activePrompts() == null) {
            return classifierModel.forward(ps, in, training);
        }
        try (ForwardScope scope = promptScope(ps, training)) {
            SequenceClassifierOutput out = promptForward(ps, in, training);
            return new SequenceClassifierOutput(scope.keep(out.logits()), scope.keep(out.loss()));
        }
    }

    /** The loss of {@link #forward(ParameterStore, SequenceClassifierInputs, boolean)} for a labelled batch. */
    @Override
    public NDArray loss(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray labels, boolean training) {
        return forward(ps, SequenceClassifierInputs.of(inputIds, attentionMask, labels), training)
                .loss();
    }

    private SequenceClassifierOutput promptForward(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        VirtualTokenInputs v = VirtualTokenInputs.of(activePrompts(), ps, in.any(), in.attentionMask(), training);
        if (v.pastKeyValues() != null) {
            return classifierModel.forward(
                    ps,
                    new SequenceClassifierInputs(
                            in.inputIds(),
                            in.inputsEmbeds(),
                            v.attentionMask(),
                            in.tokenTypeIds(),
                            in.labels(),
                            v.pastKeyValues()),
                    training);
        }
        NDArray tokenTypes = v.tokenTypeIds(in.tokenTypeIds());
        NDArray joined = v.joinedEmbeds(ps, in.inputIds(), in.inputsEmbeds(), training);
        return classifierModel.forward(
                ps, new SequenceClassifierInputs(null, joined, v.attentionMask(), tokenTypes, in.labels()), training);
    }
}
