package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/** One post-LN encoder layer: {@code attention}, then {@code intermediate} and {@code output}. */
public class BertLayer extends BertMaskedBlock {

    public BertLayer(BertFamilyConfig c) {
        addModule("attention", new BertAttention(c));
        addModule("intermediate", new BertIntermediate(c));
        addModule("output", new BertOutput(c));
    }

    /** {@code (B, T, D) -> (B, T, D)}; with this layer's past {@code (key, value)} or null (mask then over P + T). */
    @Override
    public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, boolean training) {
        NDArray attended = callMasked("attention", ps, training, h, mask, past);
        NDArray inner = call("intermediate", ps, training, attended); // (B, T, intermediate)
        return call("output", ps, training, inner, attended);
    }
}
