package ai.peft4j.models.roberta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.nn.BlockCopies;
import ai.peft4j.nn.Dropout;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleBlock;

/**
 * The sentence-level head: the first token ({@code <s>}) through {@code dropout → dense → tanh →
 * dropout → out_proj}, {@code (B, T, D) -> (B, num_labels)}.
 *
 * <p>It is {@link BlockCopies.Copyable}, so PEFT's {@code modules_to_save} can keep a trainable
 * copy of it ({@code BlockCopies.copy(head)}).
 */
public class RobertaClassificationHead extends ModuleBlock implements BlockCopies.Copyable {

    private final int hiddenSize;
    private final int numLabels;
    private final double dropout;

    /** The head of {@code RobertaForSequenceClassification(config)}. */
    public RobertaClassificationHead(RobertaConfig c) {
        this(c.hiddenSize(), c.numLabels(), c.headDropout());
    }

    /** A head from {@code hiddenSize} features to {@code numLabels} scores. */
    public RobertaClassificationHead(int hiddenSize, int numLabels, double dropout) {
        this.hiddenSize = hiddenSize;
        this.numLabels = numLabels;
        this.dropout = dropout;
        addModule("dense", new Linear(hiddenSize, hiddenSize, true));
        addModule("dropout", new Dropout(dropout));
        addModule("out_proj", new Linear(hiddenSize, numLabels, true));
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int numLabels() {
        return numLabels;
    }

    /** The dropout probability applied before {@code dense} and before {@code out_proj}. */
    public double dropoutProbability() {
        return dropout;
    }

    /** Logits {@code (B, num_labels)} from the encoder's states {@code (B, T, D)}. */
    public NDArray forward(ParameterStore ps, NDArray features, boolean training) {
        NDArray x = features.get(new NDIndex(":, 0, :")); // (B, D), the <s> token
        x = call("dropout", ps, training, x);
        x = call("dense", ps, training, x).tanh();
        x = call("dropout", ps, training, x);
        return call("out_proj", ps, training, x);
    }

    /** {@inheritDoc} Same sizes and dropout, weights not set. */
    @Override
    public Block emptyCopy() {
        return new RobertaClassificationHead(hiddenSize, numLabels, dropout);
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }
}
