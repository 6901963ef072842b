package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.LayerNorm;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;

/** The MLP's second half: {@code LayerNorm(dropout(dense(h)) + input)}. */
public class BertOutput extends ModuleBlock {

    public BertOutput(BertFamilyConfig c) {
        int d = c.hiddenSize();
        addModule("dense", new Linear(c.intermediateSize(), d, true));
        addModule("LayerNorm", new LayerNorm(d, (float) c.layerNormEps(), true));
        addModule("dropout", new Dropout(c.hiddenDropoutProb()));
    }

    /** {@code h (B, T, intermediate)}, {@code input (B, T, D)} (the residual) → {@code (B, T, D)}. */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray input, boolean training) {
        h = call("dropout", ps, training, call("dense", ps, training, h));
        return call("LayerNorm", ps, training, h.add(input));
    }

    /** {@inheritDoc} Inputs: the intermediate activations and the residual input. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.get(0), inputs.get(1), training));
    }
}
