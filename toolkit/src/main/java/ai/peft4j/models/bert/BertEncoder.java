package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.models.LayerStack;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.ModuleBlock;
import ai.peft4j.nn.ModuleList;
import java.util.List;

/** The stack of encoder layers, in a {@code layer} list. */
public class BertEncoder extends ModuleBlock {

    private final ModuleList<BertLayer> layers;

    public BertEncoder(BertFamilyConfig c) {
        layers = addModule("layer", ModuleList.of(c.numHiddenLayers(), i -> new BertLayer(c)));
    }

    /** The encoder layers. */
    public ModuleList<BertLayer> layers() {
        return layers;
    }

    /**
     * {@code (B, T, D) -> (B, T, D)}; {@code mask} is the additive {@code (B, 1, 1, S)} mask or null; {@code past}
     * holds one {@code (key, value)} pair per layer ({@code (B, H, P, hd)} each), or is null.
     */
    public NDArray forward(ParameterStore ps, NDArray h, NDArray mask, List<NDList> past, boolean training) {
        if (layers.size() == 0 && (past == null || past.isEmpty())) { // the input itself: not this scope's to keep
            return h;
        }
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            return scope.keep(
                    LayerStack.run(h, layers.size(), past, null, (i, hidden, layerPast, present) -> layers.get(i)
                            .forward(ps, hidden, mask, layerPast, training)));
        }
    }

    /** {@inheritDoc} Inputs: hidden states and, optionally, the additive mask. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = optionalInput(inputs, 1);
        return new NDList(forward(ps, inputs.get(0), mask, null, training));
    }
}
