package ai.peft4j.tuners.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ModuleBlock;

/**
 * What PEFT keeps under {@code prompt_encoder.<adapter>}: a module with an {@code embedding} of the virtual tokens
 * that turns token indices {@code (B, N)} into vectors {@code (B, N, out)} — the prompt embeddings for prompt tuning
 * and p-tuning, the flattened past keys and values for prefix tuning.
 *
 * <p>Weights are drawn from a Java generator when the encoder is built and allocated when the base model's weights
 * exist (see {@link #initializeOn}), so a large model can be counted without allocating anything.
 */
public abstract class VirtualTokenEncoder extends ModuleBlock {

    /** The virtual-token table ({@code embedding}). */
    public Embedding embedding() {
        return (Embedding) module("embedding");
    }

    /** The encoder's output for {@code indices (B, N)}: {@code (B, N, out)}. */
    public abstract NDArray encode(ParameterStore ps, NDArray indices, boolean training);

    /** {@inheritDoc} Input: the indices. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(encode(ps, inputs.singletonOrThrow(), training));
    }

    /** The config keys that set the encoders' sizes, for the message when one is too large. */
    private static final String SIZE_KEYS = "num_virtual_tokens, token_dim and encoder_hidden_size";

    /** Allocates every parameter that has no value yet on {@code manager}, from its initializer. */
    public void initializeOn(ai.djl.ndarray.NDManager manager) {
        for (Parameter p : getParameters().values()) {
            if (!p.isInitialized()) {
                p.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32);
            }
        }
    }
}
