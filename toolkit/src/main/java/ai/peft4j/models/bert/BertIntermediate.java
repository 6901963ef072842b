package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Activations;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;
import java.util.function.UnaryOperator;

/** The MLP's first half: {@code act(dense(h))}, {@code (B, T, D) -> (B, T, intermediate)}. */
public class BertIntermediate extends ModuleBlock {

    private final UnaryOperator<NDArray> activation;

    public BertIntermediate(BertFamilyConfig c) {
        activation = Activations.byName(c.hiddenAct(), "hidden_act");
        addModule("dense", new Linear(c.hiddenSize(), c.intermediateSize(), true));
    }

    public NDArray forward(ParameterStore ps, NDArray h, boolean training) {
        return activation.apply(call("dense", ps, training, h));
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }
}
