package ai.peft4j.models.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.DirectCallModule;
import ai.peft4j.nn.LayerNorm;

/** One block: {@code x + attn(ln_1(x))}, then {@code x + mlp(ln_2(x))}. */
public class Gpt2Block extends DirectCallModule {

    public Gpt2Block(Gpt2Config c) {
        super("a mask");
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
}
