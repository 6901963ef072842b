package ai.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * PyTorch's {@code nn.LSTM(batch_first=True)}, with its parameter names and shapes: {@code weight_ih_l<k>} {@code (4H,
 * in)}, {@code weight_hh_l<k>} {@code (4H, H)}, {@code bias_ih_l<k>}, {@code bias_hh_l<k>} {@code (4H)}, and the same
 * with {@code _reverse} for the backward direction. Gates in PyTorch's order: input, forget, cell, output. Zero
 * initial states; dropout on the outputs of every layer but the last while training. Initialised as PyTorch:
 * U(-1/sqrt(H), 1/sqrt(H)).
 */
public class Lstm extends ModuleBlock {

    private final int hiddenSize;
    private final int numLayers;
    private final float dropout;
    private final boolean bidirectional;

    public Lstm(int inputSize, int hiddenSize, int numLayers, double dropout, boolean bidirectional, Random rnd) {
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.dropout = (float) dropout;
        this.bidirectional = bidirectional;
        double bound = 1 / Math.sqrt(hiddenSize);
        int dirs = bidirectional ? 2 : 1;
        for (int k = 0; k < numLayers; k++) {
            long in = k == 0 ? inputSize : (long) hiddenSize * dirs;
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + k + (d == 1 ? "_reverse" : "");
                Init.uniform(
                        addParam("weight_ih" + sfx, Parameter.Type.WEIGHT, new Shape(4L * hiddenSize, in)), bound, rnd);
                Init.uniform(
                        addParam("weight_hh" + sfx, Parameter.Type.WEIGHT, new Shape(4L * hiddenSize, hiddenSize)),
                        bound,
                        rnd);
                Init.uniform(addParam("bias_ih" + sfx, Parameter.Type.BIAS, new Shape(4L * hiddenSize)), bound, rnd);
                Init.uniform(addParam("bias_hh" + sfx, Parameter.Type.BIAS, new Shape(4L * hiddenSize)), bound, rnd);
            }
        }
    }

    /** {@code (B, T, in) -> (B, T, H * directions)}: the last layer's hidden state at every step. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        for (int k = 0; k < numLayers; k++) {
            NDArray out = direction(ps, x, "_l" + k, false, training);
            if (bidirectional) {
                out = out.concat(direction(ps, x, "_l" + k + "_reverse", true, training), -1);
            }
            x = k < numLayers - 1 ? Dropout.apply(out, dropout, training) : out;
        }
        return x;
    }

    private NDArray direction(ParameterStore ps, NDArray x, String sfx, boolean reverse, boolean training) {
        var params = namedDirectParameters();
        NDArray wih = value(ps, params.get("weight_ih" + sfx), x, training);
        NDArray whh = value(ps, params.get("weight_hh" + sfx), x, training);
        NDArray bih = value(ps, params.get("bias_ih" + sfx), x, training);
        NDArray bhh = value(ps, params.get("bias_hh" + sfx), x, training);
        long b = x.getShape().get(0);
        int t = (int) x.getShape().get(1);
        NDArray gatesIn = Linear.linear(x, wih, bih); // (B, T, 4H)
        NDArray h = x.getManager().zeros(new Shape(b, hiddenSize), x.getDataType(), x.getDevice());
        NDArray c = h;
        NDArray[] outs = new NDArray[t];
        for (int step = 0; step < t; step++) {
            int i = reverse ? t - 1 - step : step;
            NDArray gates = gatesIn.get(":, " + i + ", :").add(Linear.linear(h, whh, bhh)); // (B, 4H)
            NDList g = gates.split(4, 1);
            NDArray in = Activation.sigmoid(g.get(0));
            NDArray forget = Activation.sigmoid(g.get(1));
            NDArray cell = g.get(2).tanh();
            NDArray out = Activation.sigmoid(g.get(3));
            c = forget.mul(c).add(in.mul(cell));
            h = out.mul(c.tanh());
            outs[i] = h;
        }
        List<NDArray> ordered = new ArrayList<>(List.of(outs));
        return NDArrays.stack(new NDList(ordered), 1); // (B, T, H)
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    /** {@inheritDoc} */
    @Override
    protected String extraRepr() {
        return "hidden_size=" + hiddenSize + ", num_layers=" + numLayers + ", batch_first=True"
                + (dropout > 0 ? ", dropout=" + dropout : "") + (bidirectional ? ", bidirectional=True" : "");
    }
}
