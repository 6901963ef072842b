package ai.peft4j.models.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Activations;
import ai.peft4j.nn.Conv1D;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.UnaryModule;

/** {@code c_proj(gelu_new(c_fc(x)))}, then dropout. */
public class Gpt2Mlp extends UnaryModule {

    private final float dropout;

    public Gpt2Mlp(Gpt2Config c) {
        dropout = (float) c.residPdrop();
        addModule("c_fc", new Conv1D(c.nInner(), c.nEmbd()));
        addModule("c_proj", new Conv1D(c.nEmbd(), c.nInner()));
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = geluNew(call("c_fc", ps, training, x));
        return Dropout.apply(call("c_proj", ps, training, h), dropout, training);
    }

    /** transformers' {@code NewGELUActivation}: {@code 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))}. */
    static NDArray geluNew(NDArray x) {
        return Activations.geluTanh(x);
    }
}
