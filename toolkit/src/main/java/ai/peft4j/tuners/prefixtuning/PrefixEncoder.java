package ai.peft4j.tuners.prefixtuning;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.Init;
import ai.peft4j.nn.Sequential;
import ai.peft4j.tuners.prompt.VirtualTokenEncoder;
import java.util.Random;

/**
 * PEFT's {@code PrefixEncoder}: for each virtual token a vector of {@code num_layers * 2 * token_dim} values, the key
 * and value of every attention layer. Without {@code prefix_projection} (or in inference mode) it is one {@code
 * embedding (num_virtual_tokens, num_layers * 2 * token_dim)}; with it, an {@code embedding (num_virtual_tokens,
 * token_dim)} followed by {@code transform}: Linear(token_dim, encoder_hidden_size) - Tanh - Linear(encoder_hidden_size,
 * num_layers * 2 * token_dim).
 */
public class PrefixEncoder extends VirtualTokenEncoder {

    private final boolean projects;

    /** @param config a config with {@code token_dim}, {@code num_layers} and {@code encoder_hidden_size} filled */
    public PrefixEncoder(PrefixTuningConfig config, Random rnd) {
        int d = config.tokenDim();
        long out = (long) config.numLayers() * 2 * d;
        int p = config.numVirtualTokens();
        projects = config.prefixProjection() && !config.inferenceMode();
        if (projects) {
            Embedding e = addModule("embedding", new Embedding(p, d, null));
            Init.normal(e.weight(), 1.0, rnd);
            int h = config.encoderHiddenSize();
            addModule("transform", new Sequential(Init.linear(d, h, rnd), Sequential.tanh(), Init.linear(h, out, rnd)));
        } else {
            Embedding e = addModule("embedding", new Embedding(p, out, null));
            Init.normal(e.weight(), 1.0, rnd);
        }
    }

    /** Whether the {@code transform} MLP is present. */
    public boolean projects() {
        return projects;
    }

    /** {@inheritDoc} {@code (B, P) -> (B, P, num_layers * 2 * token_dim)}. */
    @Override
    public NDArray encode(ParameterStore ps, NDArray indices, boolean training) {
        NDArray x = embedding().forward(ps, indices, training);
        return projects ? ((Sequential) module("transform")).forward(ps, x, training) : x;
    }
}
