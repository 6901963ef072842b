package ai.peft4j.tuners.ptuning;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.Init;
import ai.peft4j.nn.Lstm;
import ai.peft4j.nn.Sequential;
import ai.peft4j.tuners.prompt.VirtualTokenEncoder;
import ai.peft4j.tuners.ptuning.PromptEncoderConfig.ReparameterizationType;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEFT's {@code PromptEncoder} (P-tuning): an {@code embedding (total_virtual_tokens, token_dim)} reparameterised by
 * {@code mlp_head} = Linear(d, H) - ReLU - Linear(H, H) - ReLU - Linear(H, d), or by a bidirectional {@code lstm_head}
 * (H per direction, {@code encoder_num_layers} layers) followed by {@code mlp_head} = Linear(2H, 2H) - ReLU -
 * Linear(2H, d).
 *
 * <p>In inference mode, as in PEFT, only {@code embedding} exists: a saved adapter stores the encoder's output, which
 * is loaded into it.
 */
public class PromptEncoder extends VirtualTokenEncoder {

    private static final Logger LOG = LoggerFactory.getLogger(PromptEncoder.class);

    private final ReparameterizationType type;
    private final boolean heads;

    /** @param config a config with {@code token_dim}, {@code encoder_hidden_size} and submodules filled */
    public PromptEncoder(PromptEncoderConfig config, Random rnd) {
        int d = config.tokenDim();
        int h = config.encoderHiddenSize();
        type = config.encoderReparameterizationType();
        heads = !config.inferenceMode();
        Embedding e = addModule("embedding", new Embedding(config.totalVirtualTokens(), d, null));
        Init.normal(e.weight(), 1.0, rnd);
        if (!heads) {
            return;
        }
        if (type == ReparameterizationType.LSTM) {
            addModule("lstm_head", new Lstm(d, h, config.encoderNumLayers(), config.encoderDropout(), true, rnd));
            addModule(
                    "mlp_head",
                    new Sequential(Init.linear(2L * h, 2L * h, rnd), Sequential.relu(), Init.linear(2L * h, d, rnd)));
        } else {
            if (config.encoderNumLayers() != PromptEncoderConfig.DEFAULT_ENCODER_NUM_LAYERS) {
                LOG.warn(
                        "for MLP, the argument `encoder_num_layers` is ignored. Exactly {} MLP layers are used.",
                        PromptEncoderConfig.DEFAULT_ENCODER_NUM_LAYERS);
            }
            addModule(
                    "mlp_head",
                    new Sequential(
                            Init.linear(d, h, rnd),
                            Sequential.relu(),
                            Init.linear(h, h, rnd),
                            Sequential.relu(),
                            Init.linear(h, d, rnd)));
        }
    }

    /** Whether the reparameterisation heads exist (not in inference mode). */
    public boolean hasHeads() {
        return heads;
    }

    /** {@inheritDoc} {@code (B, N) -> (B, N, token_dim)}. */
    @Override
    public NDArray encode(ParameterStore ps, NDArray indices, boolean training) {
        NDArray x = embedding().forward(ps, indices, training);
        if (!heads) {
            return x;
        }
        if (type == ReparameterizationType.LSTM) {
            x = ((Lstm) module("lstm_head")).forward(ps, x, training);
        }
        return ((Sequential) module("mlp_head")).forward(ps, x, training);
    }
}
