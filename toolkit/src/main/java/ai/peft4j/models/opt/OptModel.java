package ai.peft4j.models.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.models.LmInputs;
import ai.peft4j.nn.ModuleBlock;
import java.util.List;

/** transformers' {@code OPTModel}: a wrapper whose only child is the {@code decoder}. */
public class OptModel extends ModuleBlock {

    private final OptDecoder decoder;

    public OptModel(OptConfig c) {
        decoder = addModule("decoder", new OptDecoder(c));
    }

    public OptDecoder decoder() {
        return decoder;
    }

    /** Last hidden states. */
    public NDArray forward(ParameterStore ps, LmInputs in, boolean training) {
        return decoder.forward(ps, in, training);
    }

    /** {@link OptDecoder#forward(ParameterStore, LmInputs, boolean, List)}. */
    public NDArray forward(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        return decoder.forward(ps, in, training, presents);
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return decoder.forward(ps, inputs, training);
    }
}
