package ai.peft4j.train;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.translate.Batchifier;
import ai.peft4j.PeftModel;
import ai.peft4j.models.Losses;

/**
 * Using a {@link PeftModel} with DJL's own {@link Trainer} and {@code EasyTrain}. A causal LM's
 * DJL forward takes {@code (input_ids, attention_mask, labels)} and returns {@code (logits,
 * loss)}; {@link #modelLoss()} passes that loss on.
 *
 * <pre>{@code
 * try (Model m = DjlTraining.wrap(peft);
 *      Trainer t = m.newTrainer(DjlTraining.config(Optimizer.adamW().build()))) {
 *   Batch b = DjlTraining.causalLmBatch(t.getManager(), batch);
 *   EasyTrain.trainBatch(t, b);
 *   t.step();
 *   b.close();
 * }
 * }</pre>
 *
 * <p>On the PyTorch engine only DJL's SGD, Adam and AdamW optimizers work. Gradients are not
 * zeroed by DJL's PyTorch gradient collector; DJL's PyTorch Adam update zeroes them itself.
 */
public final class DjlTraining {

    private DjlTraining() {}

    /**
     * A DJL loss that takes the model's own loss output ({@code predictions[1]}) when there is
     * one, else the shifted causal-LM cross-entropy of {@code predictions[0]} (logits) against
     * {@code labels[0]}.
     */
    public static Loss modelLoss() {
        return new Loss("peft_loss") {
            @Override
            public NDArray evaluate(NDList labels, NDList predictions) {
                if (predictions.size() > 1) {
                    return predictions.get(1);
                }
                return Losses.causalLmLoss(predictions.get(0), labels.get(0));
            }
        };
    }

    /** A DJL {@link Model} whose block is {@code peft} (closing it leaves the weights alone). */
    public static Model wrap(PeftModel peft) {
        Model m = Model.newInstance("peft");
        m.setBlock(peft);
        return m;
    }

    /** A training config with {@link #modelLoss()} and {@code optimizer}. */
    public static DefaultTrainingConfig config(Optimizer optimizer) {
        return new DefaultTrainingConfig(modelLoss()).optOptimizer(optimizer);
    }

    /**
     * A DJL batch from one {@link TextDataset} batch: data {@code (input_ids, attention_mask,
     * labels)}, labels {@code (labels)}. The batch owns a sub-manager of {@code parent}; close it
     * after the step.
     */
    public static Batch causalLmBatch(NDManager parent, TextDataset data, int[] indices) {
        NDManager m = parent.newSubManager();
        TextDataset.Batch b = data.collate(indices, m);
        return new Batch(
                m,
                new NDList(b.inputIds(), b.attentionMask(), b.labels()),
                new NDList(b.labels()),
                b.size(),
                Batchifier.STACK,
                Batchifier.STACK,
                0,
                0);
    }
}
