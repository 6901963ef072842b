package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/** Self-attention ({@code self}) followed by its projection and residual norm ({@code output}). */
public class BertAttention extends BertMaskedBlock {

    public BertAttention(BertFamilyConfig c) {
        addModule("self", new BertSelfAttention(c));
        addModule("output", new BertSelfOutput(c));
    }

    /** {@code (B, T, D) -> (B, T, D)}; {@code mask} is the additive {@code (B, 1, 1, S)} mask or null. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, boolean training) {
        NDArray context = callMasked("self", ps, training, h, mask, past);
        return call("output", ps, training, context, h);
    }
}
