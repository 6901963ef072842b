package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.LayerNorm;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;

/** The attention's output projection: {@code LayerNorm(dropout(dense(context)) + input)}. */
public class BertSelfOutput extends ModuleBlock {

    public BertSelfOutput(BertFamilyConfig c) {
        int d = c.hiddenSize();
        addModule("dense", new Linear(d, d, true));
        addModule("LayerNorm", new LayerNorm(d, (float) c.layerNormEps(), true));
        addModule("dropout", new Dropout(c.hiddenDropoutProb()));
    }

    /** {@code context (B, T, D)}, {@code input (B, T, D)} (the residual) → {@code (B, T, D)}. */
    public NDArray forward(ParameterStore ps, NDArray context, NDArray input, boolean training) {
        NDArray h = call("dropout", ps, training, call("dense", ps, training, context));
        return call("LayerNorm", ps, training, h.add(input));
    }

    /** {@inheritDoc} Inputs: the attention context and the residual input. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.get(0), inputs.get(1), training));
    }
}
