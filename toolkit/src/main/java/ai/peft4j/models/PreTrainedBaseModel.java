package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Embedding;

/**
 * A {@link PreTrainedModel} without a task head, as transformers' {@code AutoModel} loads it ({@code BertModel}): its
 * forward gives the hidden states, the features PEFT's {@code FEATURE_EXTRACTION} task returns. It takes the same
 * inputs as a sequence classifier ({@link SequenceClassifierInputs}); labels are ignored.
 *
 * <pre>{@code
 * PreTrainedBaseModel bert = AutoModel.fromPretrained(Path.of("bert-base-uncased"));
 * NDArray features = bert.forward(inputIds, attentionMask).lastHiddenState();   // (B, T, D)
 * }</pre>
 */
public abstract class PreTrainedBaseModel extends PreTrainedModel {

    protected PreTrainedBaseModel(PretrainedConfig config) {
        super(config);
    }

    /** The token embedding ({@code get_input_embeddings()}), for building {@code inputs_embeds}. */
    public abstract Embedding inputEmbeddings();

    /** The full forward pass; {@code ps} supplies parameter values on the inputs' device. */
    public abstract BaseModelOutput forward(ParameterStore ps, SequenceClassifierInputs in, boolean training);

    /** Hidden states of token ids with an optional mask, in the model's current mode; results live on the inputs'. */
    public BaseModelOutput forward(NDArray inputIds, NDArray attentionMask) {
        ParameterStore ps = new ParameterStore(inputIds.getManager(), false);
        return forward(ps, SequenceClassifierInputs.of(inputIds, attentionMask, null), isTraining());
    }

    /** {@inheritDoc} Inputs: input ids, then optionally the attention mask; outputs: the last hidden states. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(forward(ps, SequenceClassifierInputs.of(inputs.get(0), mask, null), training)
                .lastHiddenState());
    }
}
