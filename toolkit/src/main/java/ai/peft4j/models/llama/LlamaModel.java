package ai.peft4j.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.CausalMask;
import ai.peft4j.models.DecoderModel;
import ai.peft4j.models.LayerStack;
import ai.peft4j.models.LmInputs;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ModuleList;
import ai.peft4j.nn.RmsNorm;
import ai.peft4j.nn.Scalars;
import java.util.List;

/**
 * transformers' {@code LlamaModel} (and {@code Qwen2Model}, {@code MistralModel}, {@code GemmaModel}, which have the
 * same module names): token embeddings, the decoder layers and a final RMS norm.
 */
public class LlamaModel extends DecoderModel {

    private final LlamaFamilyConfig config;
    private final ModuleList<LlamaDecoderLayer> layers;

    public LlamaModel(LlamaFamilyConfig c) {
        this.config = c;
        // the embedding's padding_idx is pad_token_id, as transformers'
        addTokenEmbedding("embed_tokens", new Embedding(c.vocabSize(), c.hiddenSize(), c.padTokenId()));
        layers = addModule("layers", ModuleList.of(c.numHiddenLayers(), i -> new LlamaDecoderLayer(c)));
        addModule("norm", new RmsNorm(c.hiddenSize(), (float) c.rmsNormEps(), c.rmsNormUnitOffset()));
    }

    /** The token embedding. */
    public Embedding embedTokens() {
        return inputEmbeddings();
    }

    public ModuleList<LlamaDecoderLayer> layers() {
        return layers;
    }

    /** {@inheritDoc} True: {@code position_ids}, by default {@code 0..T-1} after the past. */
    @Override
    public boolean takesPositionIds() {
        return true;
    }

    /**
     * {@inheritDoc} Positions are {@link LmInputs#positionIds()}, by default {@code P, P + 1, ...} whatever the mask (as
     * transformers' forward; generate passes positions counted from the mask, so left padding works). Gemma scales the
     * embeddings (given ones too) by {@code sqrt(hidden_size)}; Mistral and Qwen2 window the mask.
     */
    @Override
    protected NDArray hiddenStates(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        NDArray h = embed(ps, in, training);
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
        return call("norm", ps, training, h);
    }
}
