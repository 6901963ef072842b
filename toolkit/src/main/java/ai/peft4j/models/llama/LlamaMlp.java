package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Activations;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.UnaryModule;
import java.util.function.UnaryOperator;

/**
 * The gated feed-forward {@code down_proj(act(gate_proj(x)) * up_proj(x))}: SwiGLU with silu (Llama, Qwen2,
 * Mistral), GeGLU with Gemma's tanh-approximated GELU.
 */
public class LlamaMlp extends UnaryModule {

    private final UnaryOperator<NDArray> act;

    public LlamaMlp(LlamaFamilyConfig c) {
        act = Activations.byName(c.mlpActivation(), "hidden_act");
        addModule("gate_proj", new Linear(c.hiddenSize(), c.intermediateSize(), false));
        addModule("up_proj", new Linear(c.hiddenSize(), c.intermediateSize(), false));
        addModule("down_proj", new Linear(c.intermediateSize(), c.hiddenSize(), false));
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray gate = act.apply(call("gate_proj", ps, training, x));
        return call("down_proj", ps, training, gate.mul(call("up_proj", ps, training, x)));
    }
}
