package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.PreTrainedModelForTokenClassification;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.TokenClassifierOutput;
import ai.peft4j.nn.ForwardScope;
import java.util.List;

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
public class PeftModelForTokenClassification extends PeftModel {

    /** The heads PEFT adds to {@code modules_to_save} for this task. */
    public static final List<String> CLASSIFIER_NAMES = List.of("classifier", "score");

    private final PreTrainedModelForTokenClassification tokenModel;

    PeftModelForTokenClassification(
            PreTrainedModelForTokenClassification model, PeftConfig config, String adapterName) {
        super(model, config, adapterName);
        this.tokenModel = model;
    }

    /** {@inheritDoc} {@code classifier} or {@code score}, whichever the model has. */
    @Override
    protected List<String> taskModulesToSave() {
        return CLASSIFIER_NAMES;
    }

    /** The wrapped token classifier (with the head wrapped). */
    @Override
    public PreTrainedModelForTokenClassification getBaseModel() {
        return tokenModel;
    }

    /** Logits {@code (B, T, num_labels)} and, with labels {@code (B, T)}, the loss, in the model's current mode. */
    public TokenClassifierOutput forward(NDArray inputIds, NDArray attentionMask, NDArray labels) {
        return forward(SequenceClassifierInputs.of(inputIds, attentionMask, labels));
    }

    /** {@link #forward(NDArray, NDArray, NDArray)} for any inputs. */
    public TokenClassifierOutput forward(SequenceClassifierInputs in) {
        return forward(new ParameterStore(in.any().getManager(), false), in, tokenModel.isTraining());
    }

    /** The full forward pass with an explicit parameter store and mode. */
    public TokenClassifierOutput forward(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        if (activePrompts() == null) {
            return tokenModel.forward(ps, in, training);
        }
        try (ForwardScope scope = promptScope(ps, training)) {
            TokenClassifierOutput out = promptForward(ps, in, training);
            return new TokenClassifierOutput(scope.keep(out.logits()), scope.keep(out.loss()));
        }
    }

    private TokenClassifierOutput promptForward(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        VirtualTokenInputs v = VirtualTokenInputs.of(activePrompts(), ps, in.any(), in.attentionMask(), training);
        if (v.pastKeyValues() != null) {
            return tokenModel.forward(
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
        long t = in.any().getShape().get(1);
        int p = v.numVirtualTokens();
        if (in.labels() != null
                && in.labels().getShape().dimension() == 2
                && in.labels().getShape().get(1) == t) {
            throw new IllegalArgumentException(
                    "with " + activePrompts().activeConfig().peftType() + " the logits cover the "
                            + p + " virtual tokens and the " + t + " input tokens, so labels need " + (p + t)
                            + " columns, found " + t
                            + ": prepend " + p
                            + " columns of -100 (PEFT 0.10 passes the labels on unchanged and fails on them)");
        }
        NDArray tokenTypes = v.tokenTypeIds(in.tokenTypeIds());
        NDArray joined = v.joinedEmbeds(ps, in.inputIds(), in.inputsEmbeds(), training);
        return tokenModel.forward(
                ps, new SequenceClassifierInputs(null, joined, v.attentionMask(), tokenTypes, in.labels()), training);
    }
}
