package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.PreTrainedModelForQuestionAnswering;
import ai.peft4j.models.QuestionAnsweringInputs;
import ai.peft4j.models.QuestionAnsweringModelOutput;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEFT's {@code PeftModelForQuestionAnswering}: a {@link PeftModel} around an extractive question-answering model
 * whose span head ({@code qa_outputs}) trains in full as a {@code modules_to_save} copy.
 *
 * <p>The forward is PEFT 0.10's, including its handling of {@code token_type_ids}: PEFT's {@code forward} takes them
 * as a named argument and never passes them on, so the model always sees zeros (segment A) there, with or without
 * adapters. peft4j does the same, so that an adapter trained with PEFT gives the same answers here, and logs a
 * warning the first time token type ids are dropped. With prompt tuning and p-tuning the virtual tokens are
 * prepended to the word embeddings and the attention mask is extended with ones, so the logits are {@code (B, P +
 * T)} and the positions index into them; prefix tuning passes the prefix as past keys and values and keeps {@code
 * (B, T)}.
 *
 * <pre>{@code
 * var bert = BertForQuestionAnswering.fromConfig(BertConfig.named("bert-base-uncased"), 42);
 * var peft = (PeftModelForQuestionAnswering) Peft.lora().r(16).task(TaskType.QUESTION_ANS).apply(bert);
 * QuestionAnsweringModelOutput out = peft.forward(inputIds, attentionMask, startPositions, endPositions);
 * }</pre>
 */
public class PeftModelForQuestionAnswering
        extends PeftModelForTask<
                PreTrainedModelForQuestionAnswering, QuestionAnsweringInputs, QuestionAnsweringModelOutput> {

    private static final Logger LOG = LoggerFactory.getLogger(PeftModelForQuestionAnswering.class);

    /** The head PEFT adds to {@code modules_to_save} for this task. */
    public static final List<String> QA_MODULE_NAMES = List.of("qa_outputs");

    private boolean warnedTokenTypes;

    PeftModelForQuestionAnswering(PreTrainedModelForQuestionAnswering model, PeftConfig config, String adapterName) {
        super(model, config, adapterName, PreTrainedModelForQuestionAnswering::forward);
    }

    /** {@inheritDoc} The span head {@code qa_outputs}. */
    @Override
    protected List<String> taskModulesToSave() {
        return QA_MODULE_NAMES;
    }

    /** Start and end logits and, with both positions, the loss, in the model's current mode. */
    public QuestionAnsweringModelOutput forward(
            NDArray inputIds, NDArray attentionMask, NDArray startPositions, NDArray endPositions) {
        return forward(QuestionAnsweringInputs.of(inputIds, attentionMask, startPositions, endPositions));
    }

    /** {@link #forward(NDArray, NDArray, NDArray, NDArray)} for any inputs; token type ids are dropped (see above). */
    public QuestionAnsweringModelOutput forward(QuestionAnsweringInputs in) {
        return forwardInMode(in, in.any());
    }

    /** {@inheritDoc} Token type ids are dropped first (see above). */
    @Override
    public QuestionAnsweringModelOutput forward(ParameterStore ps, QuestionAnsweringInputs in, boolean training) {
        if (in.tokenTypeIds() != null) {
            if (!warnedTokenTypes) {
                warnedTokenTypes = true;
                LOG.warn("token_type_ids are not passed to the model, as in PEFT 0.10's PeftModelForQuestionAnswering; "
                        + "the model sees segment 0 everywhere");
            }
            in = in.withTokenTypeIds(null);
        }
        return super.forward(ps, in, training);
    }

    @Override
    protected QuestionAnsweringInputs withPrompts(ParameterStore ps, QuestionAnsweringInputs in, boolean training) {
        VirtualTokenInputs v = VirtualTokenInputs.of(activePrompts(), ps, in.any(), in.attentionMask(), training);
        if (v.pastKeyValues() != null) {
            return new QuestionAnsweringInputs(
                    in.inputIds(),
                    in.inputsEmbeds(),
                    v.attentionMask(),
                    null,
                    in.startPositions(),
                    in.endPositions(),
                    v.pastKeyValues());
        }
        NDArray joined = v.joinedEmbeds(ps, in.inputIds(), in.inputsEmbeds(), training);
        return new QuestionAnsweringInputs(
                null, joined, v.attentionMask(), null, in.startPositions(), in.endPositions(), null);
    }
}
