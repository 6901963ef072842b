package ai.peft4j.models.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.DecoderModel;
import ai.peft4j.models.LmInputs;
import ai.peft4j.nn.Embedding;
import java.util.List;

/** transformers' {@code OPTModel}: a wrapper whose only child is the {@code decoder}. */
public class OptModel extends DecoderModel {

    private final OptDecoder decoder;

    public OptModel(OptConfig c) {
        decoder = addModule("decoder", new OptDecoder(c));
    }

    public OptDecoder decoder() {
        return decoder;
    }

    /** {@inheritDoc} The decoder's {@code embed_tokens}. */
    @Override
    public Embedding inputEmbeddings() {
        return decoder.inputEmbeddings();
    }

    /** {@inheritDoc} The decoder's, see {@link OptDecoder#hiddenStates}. */
    @Override
    protected NDArray hiddenStates(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        return decoder.forward(ps, in, training, presents);
    }
}
