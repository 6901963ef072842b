package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.DirectCallModule;
import ai.peft4j.nn.RmsNorm;

/** One decoder layer: pre-norm attention and pre-norm MLP, each in a residual branch. */
public class LlamaDecoderLayer extends DirectCallModule {

    public LlamaDecoderLayer(LlamaFamilyConfig c) {
        super("rotary angles");
        addModule("self_attn", new LlamaAttention(c));
        addModule("mlp", new LlamaMlp(c));
        addModule("input_layernorm", new RmsNorm(c.hiddenSize(), (float) c.rmsNormEps(), c.rmsNormUnitOffset()));
        addModule(
                "post_attention_layernorm", new RmsNorm(c.hiddenSize(), (float) c.rmsNormEps(), c.rmsNormUnitOffset()));
    }

    /** See {@link LlamaAttention#forward} for the arguments. */
    public NDArray forward(
            ParameterStore ps, NDArray h, NDArray mask, NDList cosSin, NDList past, NDList present, boolean training) {
        NDArray attended = ((LlamaAttention) module("self_attn"))
                .forward(ps, call("input_layernorm", ps, training, h), mask, cosSin, past, present, training);
        h = h.add(attended);
        return h.add(call("mlp", ps, training, call("post_attention_layernorm", ps, training, h)));
    }
}
