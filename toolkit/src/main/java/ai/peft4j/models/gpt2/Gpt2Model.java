package ai.peft4j.models.gpt2;

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
import ai.peft4j.nn.ModuleList;
import java.util.List;

/**
 * transformers' {@code GPT2Model}: token and position embeddings ({@code wte}, {@code wpe}), the
 * blocks {@code h} and {@code ln_f}.
 */
public class Gpt2Model extends DecoderModel {

    private final Gpt2Config config;
    private final ModuleList<Gpt2Block> h;

    public Gpt2Model(Gpt2Config c) {
        this.config = c;
        addTokenEmbedding("wte", new Embedding(c.vocabSize(), c.nEmbd(), null));
        addModule("wpe", new Embedding(c.nPositions(), c.nEmbd(), null));
        h = addModule("h", ModuleList.of(c.nLayer(), i -> new Gpt2Block(c)));
        addModule("ln_f", new LayerNorm(c.nEmbd(), (float) c.layerNormEpsilon(), true));
    }

    /** The token embedding (shared with the LM head). */
    public Embedding wte() {
        return inputEmbeddings();
    }

    public ModuleList<Gpt2Block> blocks() {
        return h;
    }

    /** {@inheritDoc} True: {@code position_ids}, by default {@code 0..T-1} after the past. */
    @Override
    public boolean takesPositionIds() {
        return true;
    }

    /**
     * {@inheritDoc} Positions are {@link LmInputs#positionIds()}, by default {@code P..P+T-1} whatever the mask (as
     * transformers' forward; generate passes positions counted from the mask).
     *
     * @throws IllegalArgumentException when a position is outside {@code wpe} ({@code 0..n_positions-1})
     */
    @Override
    protected NDArray hiddenStates(ParameterStore ps, LmInputs in, boolean training, List<NDList> presents) {
        NDArray x = embed(ps, in, training);
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray mask = CausalMask.attentionMaskOf(in, b, t);
        x = x.add(call("wpe", ps, training, positionIds(in, b, t)));
        x = Dropout.apply(x, (float) config.embdPdrop(), training);
        NDArray additiveMask = CausalMask.causalPlusPadding(mask, t, x.getDataType());
        x = LayerStack.run(x, h.size(), in.pastKeyValues(), presents, (i, hidden, layerPast, present) -> h.get(i)
                .forward(ps, hidden, additiveMask, layerPast, present, training));
        return call("ln_f", ps, training, x);
    }

    private NDArray positionIds(LmInputs in, long b, long t) {
        NDArray positions = CausalMask.positionIds(in, b, t);
        long n = config.nPositions();
        boolean outside = in.positionIds() == null
                ? in.pastLength() + t > n
                : positions.lt(0).logicalOr(positions.gte(n)).any().getBoolean();
        if (outside) {
            throw new IllegalArgumentException("GPT-2 positions must lie in 0.." + (n - 1) + " (n_positions " + n
                    + "), but "
                    + (in.positionIds() == null
                            ? (in.pastLength() + t) + " positions were given"
                            : "position_ids hold " + positions.min().getLong() + ".."
                                    + positions.max().getLong())
                    + "; shorten the input or pass position_ids within that range");
        }
        return positions;
    }
}
