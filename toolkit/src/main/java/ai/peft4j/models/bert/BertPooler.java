package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;

/** {@code tanh(dense(h[:, 0]))}: the first token's ({@code [CLS]}) state, {@code (B, T, D) -> (B, D)}. */
public class BertPooler extends ModuleBlock {

    public BertPooler(BertFamilyConfig c) {
        addModule("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true));
    }

    public NDArray forward(ParameterStore ps, NDArray h, boolean training) {
        NDArray first = h.get(new NDIndex(":, 0, :")); // (B, D)
        return call("dense", ps, training, first).tanh();
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }
}
