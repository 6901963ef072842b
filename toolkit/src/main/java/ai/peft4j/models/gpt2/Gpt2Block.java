package ai.peft4j.models.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.LayerNorm;
import ai.peft4j.nn.ModuleBlock;

/** One block: {@code x + attn(ln_1(x))}, then {@code x + mlp(ln_2(x))}. */
public class Gpt2Block extends ModuleBlock {

    public Gpt2Block(Gpt2Config c) {
        float eps = (float) c.layerNormEpsilon();
        addModule("ln_1", new LayerNorm(c.nEmbd(), eps, true));
        addModule("attn", new Gpt2Attention(c));
        addModule("ln_2", new LayerNorm(c.nEmbd(), eps, true));
        addModule("mlp", new Gpt2Mlp(c));
    }

    /** See {@link Gpt2Attention#forward} for the arguments. */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, NDList past, NDList present, boolean training) {
        NDArray attended = ((Gpt2Attention) module("attn"))
                .forward(ps, call("ln_1", ps, training, h), mask, past, present, training);
        h = h.add(attended);
        return h.add(call("mlp", ps, training, call("ln_2", ps, training, h)));
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("Gpt2Block needs a mask: call forward(...) directly");
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
