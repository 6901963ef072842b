package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.models.SequenceClassifierInputs;
import java.util.List;

/**
 * What PEFT's sequence and token classification classes share: the head ({@code classifier} or {@code score})
 * trains in full as a {@code modules_to_save} copy, the inputs are {@link SequenceClassifierInputs}, and virtual
 * tokens go in front as {@link VirtualTokenInputs#classifierInputs} puts them.
 *
 * @param <M> the classifier
 * @param <O> its output
 */
abstract class PeftModelForClassifier<M extends PreTrainedModel, O extends Record>
        extends PeftModelForTask<M, SequenceClassifierInputs, O> {

    PeftModelForClassifier(
            M model, PeftConfig config, String adapterName, Forward<M, SequenceClassifierInputs, O> forward) {
        super(model, config, adapterName, forward);
    }

    /** {@inheritDoc} {@code classifier} or {@code score}, whichever the model has. */
    @Override
    protected List<String> taskModulesToSave() {
        return PeftModelForSequenceClassification.CLASSIFIER_NAMES;
    }

    /** Logits and, with labels, the loss, in the model's current mode. */
    public O forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        return forward(SequenceClassifierInputs.of(inputIds, attentionMask, labels));
    }

    /** {@link #forward(NDArray, NDArray, NDArray)} for any inputs. */
    public O forward(SequenceClassifierInputs in) {
        return forwardInMode(in, in.any());
    }

    /** {@inheritDoc} Token types get zeros for the virtual tokens. */
    @Override
    protected SequenceClassifierInputs withPrompts(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        VirtualTokenInputs v = VirtualTokenInputs.of(activePrompts(), ps, in.any(), in.attentionMask(), training);
        checkLabels(in, v);
        return v.classifierInputs(ps, in, training);
    }

    /** Refuses labels that do not fit the inputs with virtual tokens {@code v}; any labels fit by default. */
    protected void checkLabels(SequenceClassifierInputs in, VirtualTokenInputs v) {}
}
