package ai.peft4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * The scalar loss of one batch. The default for a causal LM is the model's shifted cross-entropy,
 * for a sequence classifier the loss its {@code problem_type} selects.
 */
@FunctionalInterface
public interface LossFunction {

    /**
     * @param ps the step's parameter store (use it for every forward call)
     * @param batch the batch, on the step's manager
     * @param training true for training steps (dropout on), false for evaluation
     */
    NDArray loss(ParameterStore ps, TextDataset.Batch batch, boolean training);
}
