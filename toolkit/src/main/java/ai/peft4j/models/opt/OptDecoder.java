package ai.peft4j.models.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.CausalMask;
import ai.peft4j.models.DecoderModel;
import ai.peft4j.models.LayerStack;
import ai.peft4j.models.LmInputs;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.LayerNorm;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleList;
import java.util.List;

/**
 * The OPT decoder stack: token and position embeddings, optional projection into the hidden size,
 * the layers, an optional final layer norm and projection back to the embedding size.
 */
public class OptDecoder extends DecoderModel {

    private final OptConfig config;
    private final boolean projects;
    private final ModuleList<OptDecoderLayer> layers;

    public OptDecoder(OptConfig c) {
        this.config = c;
        int d = c.hiddenSize();
        int e = c.wordEmbedProjDim();
        projects = e != d;
        addTokenEmbedding("embed_tokens", new Embedding(c.vocabSize(), e, c.padTokenId()));
        addModule("embed_positions", new OptLearnedPositionalEmbedding(c.maxPositionEmbeddings(), d));
        if (projects) {
            addModule("project_out", new Linear(d, e, false));
            addModule("project_in", new Linear(e, d, false));
        }
        if (c.hasFinalLayerNorm()) {
            addModule(
                    "final_layer_norm",
                    new LayerNorm(d, OptDecoderLayer.LAYER_NORM_EPS, c.layerNormElementwiseAffine()));
        }
        layers = addModule("layers", ModuleList.of(c.numHiddenLayers(), i -> new OptDecoderLayer(c)));
    }

    /** The token embedding (its weight is shared with the LM head). */
    public Embedding embedTokens() {
        return inputEmbeddings();
    }

    /** The decoder layers. */
    public ModuleList<OptDecoderLayer> layers() {
        return layers;
    }

    /**
     * {@inheritDoc} Last hidden states {@code (B, T, word_embed_proj_dim)}. With past keys and values of length
     * {@code P} the attention mask (when given) must cover {@code P + T} positions, the tokens' positions are counted
     * from {@code P} and each layer attends to its past keys too, as transformers' OPT does.
     */
    @Override
    protected NDArray hiddenStates(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        NDArray embeds = embed(ps, in, training);
        long t = embeds.getShape().get(1);
        long past = in.pastLength();
        if (in.positionIds() != null) {
            throw new IllegalArgumentException(
                    "OPT takes no position_ids: its learned positions count the attention mask, "
                            + "as in transformers' OPTForCausalLM; leave them out and pass the mask");
        }
        NDArray mask = attentionMask(in, embeds);
        NDArray positions =
                ((OptLearnedPositionalEmbedding) module("embed_positions")).forward(ps, mask, (int) past, training);
        if (projects) {
            embeds = call("project_in", ps, training, embeds);
        }
        NDArray h = embeds.add(positions);
        h = Dropout.apply(h, (float) config.dropout(), training);

        NDArray additiveMask = CausalMask.additive(mask, t, embeds.getDataType());
        h = LayerStack.run(
                h, layers.size(), in.pastKeyValues(), presents, (i, hidden, layerPast, present) -> layers.get(i)
                        .forward(ps, hidden, additiveMask, layerPast, training, present));
        if (config.hasFinalLayerNorm()) {
            h = call("final_layer_norm", ps, training, h);
        }
        if (projects) {
            h = call("project_out", ps, training, h);
        }
        return h;
    }
}
