package ai.peft4j.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.ModuleBlock;
import java.util.List;

/**
 * The bare decoder under a causal LM's {@code lm_head} (transformers' {@code OPTModel}, {@code GPT2Model}, {@code
 * BloomModel}, {@code LlamaModel}): token embeddings, the layers, the last hidden states. A subclass writes {@link
 * #hiddenStates} as the architecture's forward reads; this class runs it in its own {@link ForwardScope} and keeps
 * each layer's keys and values for cached generation.
 */
public abstract class DecoderModel extends ModuleBlock implements BaseModel {

    private String tokenEmbeddingName;
    private boolean gradientCheckpointing;

    /** Adds the token embedding under {@code name} ({@code "wte"}, {@code "embed_tokens"}, ...) and returns it. */
    protected final Embedding addTokenEmbedding(String name, Embedding embedding) {
        tokenEmbeddingName = name;
        return addModule(name, embedding);
    }

    /** {@inheritDoc} Its weight is the one a tied {@code lm_head} shares. */
    @Override
    public Embedding inputEmbeddings() {
        return (Embedding) module(tokenEmbeddingName);
    }

    /** The embeddings {@code (B, T, D)} of {@code in}: its {@code inputs_embeds} when given, else its ids looked up. */
    protected final NDArray embed(ParameterStore ps, LmInputs in, boolean training) {
        return in.inputsEmbeds() != null ? in.inputsEmbeds() : call(tokenEmbeddingName, ps, training, in.inputIds());
    }

    /**
     * The attention mask {@code (B, P + T)} of {@code in}, whose embeddings are {@code embeds (B, T, D)}: its own, or
     * all ones (see {@link CausalMask#attentionMaskOf}).
     */
    protected static NDArray attentionMask(LmInputs in, NDArray embeds) {
        return CausalMask.attentionMaskOf(
                in, embeds.getShape().get(0), embeds.getShape().get(1));
    }

    /**
     * Whether the forward pass reads {@link LmInputs#positionIds()} (GPT-2, Llama); a decoder that counts positions
     * itself (OPT, BLOOM's ALiBi) does not.
     */
    public boolean takesPositionIds() {
        return false;
    }

    /**
     * Turns gradient checkpointing on or off for this decoder's layers (see {@link GradientCheckpointing}); usually
     * set through {@link PreTrainedModel#gradientCheckpointing(boolean)}.
     */
    public DecoderModel gradientCheckpointing(boolean enable) {
        gradientCheckpointing = enable;
        return this;
    }

    /** Whether gradient checkpointing is on (transformers' {@code is_gradient_checkpointing}). */
    public boolean isGradientCheckpointing() {
        return gradientCheckpointing;
    }

    /** Last hidden states {@code (B, T, D)}. */
    public NDArray forward(ParameterStore ps, LmInputs in, boolean training) {
        return forward(ps, in, training, null);
    }

    /**
     * {@link #forward(ParameterStore, LmInputs, boolean)} that also adds each layer's {@code (key, value)}, past
     * positions included, to {@code presents} when not null: the past of the next step in cached generation.
     */
    public NDArray forward(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        if (training && presents == null && GradMode.isEnabled()) {
            GradientCheckpointing step = GradientCheckpointing.current();
            if (step != null) {
                return step.forward(gradientCheckpointing, in, inputs -> scopedForward(ps, inputs, true, null));
            }
            if (gradientCheckpointing) {
                throw new IllegalStateException("gradient checkpointing recomputes the layers in backward: run the "
                        + "training step inside GradientCheckpointing.step(seed) and call its backward(collector, loss)"
                        + " (PeftTrainer does)");
            }
        }
        return scopedForward(ps, in, training, presents);
    }

    private NDArray scopedForward(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            NDArray h = hiddenStates(ps, in, training, presents);
            scope.keepAll(presents);
            return scope.keep(h);
        }
    }

    /** The architecture's forward pass, run inside this decoder's scope; arguments as {@link #forward}. */
    protected abstract NDArray hiddenStates(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents);

    /** {@inheritDoc} Inputs: input ids and, optionally, the attention mask. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, LmInputs.of(inputs.get(0), optionalInput(inputs, 1), null), training));
    }
}
