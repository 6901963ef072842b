package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.models.CausalMask;
import ai.peft4j.models.LayerStack;
import ai.peft4j.models.LmInputs;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.ModuleList;
import ai.peft4j.nn.RmsNorm;
import ai.peft4j.nn.Scalars;
import java.util.List;

/**
 * transformers' {@code LlamaModel} (and {@code Qwen2Model}, {@code MistralModel}, {@code GemmaModel}, which have the
 * same module names): token embeddings, the decoder layers and a final RMS norm.
 */
public class LlamaModel extends ModuleBlock {

    private final LlamaFamilyConfig config;
    private final ModuleList<LlamaDecoderLayer> layers;

    public LlamaModel(LlamaFamilyConfig c) {
        this.config = c;
        // the embedding's padding_idx is pad_token_id, as transformers'
        addModule("embed_tokens", new Embedding(c.vocabSize(), c.hiddenSize(), c.padTokenId()));
        layers = addModule("layers", new ModuleList<>());
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            layers.add(new LlamaDecoderLayer(c));
        }
        addModule("norm", new RmsNorm(c.hiddenSize(), (float) c.rmsNormEps(), c.rmsNormUnitOffset()));
    }

    /** The token embedding. */
    public Embedding embedTokens() {
        return (Embedding) module("embed_tokens");
    }

    public ModuleList<LlamaDecoderLayer> layers() {
        return layers;
    }

    /** Last hidden states {@code (B, T, D)}. */
    public NDArray forward(ParameterStore ps, LmInputs in, boolean training) {
        return forward(ps, in, training, null);
    }

    /**
     * Last hidden states; each layer's {@code (key, value)}, past included, is added to {@code presents} when not
     * null. Positions are {@link LmInputs#positionIds()}, by default {@code P, P + 1, ...} whatever the mask (as
     * transformers' forward; generate passes positions counted from the mask, so left padding works). Gemma scales the
     * embeddings (given ones too) by {@code sqrt(hidden_size)}; Mistral and Qwen2 window the mask.
     */
    public NDArray forward(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            NDArray h =
                    in.inputsEmbeds() != null ? in.inputsEmbeds() : call("embed_tokens", ps, training, in.inputIds());
            if (config.scalesEmbeddings()) {
                h = Scalars.mul(
                        h, (float) Math.sqrt(config.hiddenSize())); // transformers' normalizer, in the input's dtype
            }
            long b = h.getShape().get(0);
            long t = h.getShape().get(1);
            NDArray mask = CausalMask.attentionMaskOf(in, b, t);
            NDList cosSin = LlamaRotaryEmbedding.cosSin(CausalMask.positionIds(in, b, t), config);
            NDArray additiveMask = CausalMask.additive(mask, t, h.getDataType(), config.slidingWindow());
            h = LayerStack.run(
                    h, layers.size(), in.pastKeyValues(), presents, (i, hidden, layerPast, present) -> layers.get(i)
                            .forward(ps, hidden, additiveMask, cosSin, layerPast, present, training));
            scope.keepAll(presents);
            return scope.keep(call("norm", ps, training, h));
        }
    }

    /** {@inheritDoc} Inputs: input ids and, optionally, the attention mask. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(forward(ps, LmInputs.of(inputs.get(0), mask, null), training));
    }
}
