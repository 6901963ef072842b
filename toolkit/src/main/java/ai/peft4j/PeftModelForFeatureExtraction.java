package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.models.BaseModelOutput;
import ai.peft4j.models.PreTrainedBaseModel;
import ai.peft4j.models.SequenceClassifierInputs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEFT's {@code PeftModelForFeatureExtraction}: a {@link PeftModel} around a bare model without head ({@code
 * FEATURE_EXTRACTION}, e.g. BERT from {@link ai.peft4j.models.auto.AutoModel}) whose forward returns the model's
 * hidden states, the features.
 *
 * <p>With prompt learning the forward is PEFT 0.10's: prompt tuning and p-tuning prepend the virtual tokens to the word
 * embeddings and extend the attention mask with ones, so the hidden states are {@code (B, P + T, D)}; prefix tuning
 * passes the prefix as past keys and values and extends only the mask, so they stay {@code (B, T, D)}. Token type
 * ids are dropped then, with a warning, as PEFT does.
 *
 * <pre>{@code
 * var bert = AutoModel.fromPretrained(Path.of("my-bert"));
 * var peft = (PeftModelForFeatureExtraction)
 *     Peft.lora().r(16).targets("query", "value").task(TaskType.FEATURE_EXTRACTION).apply(bert);
 * NDArray features = peft.forward(inputIds, attentionMask).lastHiddenState();   // (B, T, D)
 * }</pre>
 */
public class PeftModelForFeatureExtraction
        extends PeftModelForTask<PreTrainedBaseModel, SequenceClassifierInputs, BaseModelOutput> {

    private static final Logger LOG = LoggerFactory.getLogger(PeftModelForFeatureExtraction.class);

    private boolean warnedTokenTypes;

    PeftModelForFeatureExtraction(PreTrainedBaseModel model, PeftConfig config, String adapterName) {
        super(model, config, adapterName, PreTrainedBaseModel::forward);
    }

    /** The hidden states of token ids with an optional mask, in the model's current mode. */
    public BaseModelOutput forward(NDArray inputIds, NDArray attentionMask) {
        return forward(SequenceClassifierInputs.of(inputIds, attentionMask, null));
    }

    /** {@link #forward(NDArray, NDArray)} for any inputs; labels are ignored. */
    public BaseModelOutput forward(SequenceClassifierInputs in) {
        return forwardInMode(in, in.any());
    }

    /** {@inheritDoc} Token type ids are dropped, as PEFT does. */
    @Override
    protected SequenceClassifierInputs withPrompts(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        if (in.tokenTypeIds() != null && !warnedTokenTypes) {
            warnedTokenTypes = true;
            LOG.warn("Token type ids are not supported for parameter efficient tuning. Ignoring token type ids");
        }
        VirtualTokenInputs v = VirtualTokenInputs.of(activePrompts(), ps, in.any(), in.attentionMask(), training);
        if (v.pastKeyValues() != null) {
            return new SequenceClassifierInputs(
                    in.inputIds(), in.inputsEmbeds(), v.attentionMask(), null, null, v.pastKeyValues());
        }
        NDArray joined = v.joinedEmbeds(ps, in.inputIds(), in.inputsEmbeds(), training);
        return new SequenceClassifierInputs(null, joined, v.attentionMask(), null, null);
    }
}
