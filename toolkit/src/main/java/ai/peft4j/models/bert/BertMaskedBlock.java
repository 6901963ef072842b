package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.ModuleBlock;

/**
 * What {@link BertAttention} and {@link BertLayer} share: hidden states in, with an optional additive mask and an
 * optional past {@code (key, value)}, passed on to one child in the form that child reads.
 */
abstract class BertMaskedBlock extends ModuleBlock {

    /** {@code (B, T, D) -> (B, T, D)}; with this layer's past {@code (key, value)} or null (mask then over P + T). */
    public abstract NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, boolean training);

    /** The child {@code name} on {@code h}, then the mask and the past key and value when given. */
    protected final NDArray callMasked(
            String name, ParameterStore ps, boolean training, NDArray h, NDArray mask, NDList past) {
        return past != null
                ? call(name, ps, training, h, mask, past.get(0), past.get(1))
                : mask == null ? call(name, ps, training, h) : call(name, ps, training, h, mask);
    }

    /** {@inheritDoc} Inputs: hidden states, optionally the additive mask, then optionally past key and value. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = optionalInput(inputs, 1);
        NDList past = inputs.size() > 3 ? new NDList(inputs.get(2), inputs.get(3)) : null;
        return new NDList(forward(ps, inputs.get(0), mask, past, training));
    }
}
