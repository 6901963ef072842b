package ai.peft4j.tuners;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * What a method's {@link AdapterHost} may add to training beyond its layers' forward, optional: a term PEFT's forward
 * adds to the loss when labels are given, and work after each optimizer step. AdaLoRA has both (its orthogonal
 * regulariser and {@code update_and_allocate}); a host without such steps does not implement this interface. {@code
 * PeftModel}'s losses and {@code PeftTrainer} call it, so neither knows any method by name.
 *
 * <pre>{@code
 * // what PeftTrainer does for each step, as PEFT's AdaLoRA training loop:
 * NDArray loss = peft.loss(ps, ids, mask, labels, true);   // includes regularizedLoss(...)
 * gc.backward(loss);
 * optimizer.step(params, grads, lr, scope);
 * if (peft.adapterHost() instanceof TrainingHooks h) {
 *     h.afterOptimizerStep(globalStep, !skipped);         // every step, before the gradients are zeroed
 * }
 * }</pre>
 */
public interface TrainingHooks {

    /**
     * The loss PEFT's forward returns when labels are given: {@code loss} (the model's own) plus the method's
     * regulariser, as a new array on {@code loss}'s manager. The default adds nothing.
     *
     * @param ps the forward pass's parameter store
     * @param training whether the forward runs in training mode (PEFT adds its terms in both modes)
     */
    default NDArray regularizedLoss(ParameterStore ps, NDArray loss, boolean training) {
        return loss;
    }

    /**
     * Checks, before a trainer changes anything, that the method can train for {@code maxSteps} optimizer steps;
     * {@code PeftTrainer}'s constructor calls it. AdaLoRA refuses a config without {@code total_step} here, rather
     * than after the first optimizer step has already moved the weights. The default accepts any run.
     *
     * @param maxSteps the optimizer steps the trainer will run
     * @throws IllegalStateException when the method cannot train so
     */
    default void beforeTraining(long maxSteps) {}

    /**
     * Runs after optimizer step {@code globalStep} (0-based: the index of the step just taken) and before the
     * gradients are zeroed, so the gradients of that step can still be read (AdaLoRA's {@code
     * update_and_allocate(global_step)}). It runs on every step, as PEFT's loop calls {@code update_and_allocate}: with
     * {@code fp16} a step whose gradients overflowed is skipped by the optimizer and comes here with {@code
     * gradientsUsable} false, so that a schedule keyed on the step (AdaLoRA's final mask) still advances without
     * reading them. The default does nothing.
     *
     * @param gradientsUsable false when the step was skipped because a gradient was inf or NaN
     */
    default void afterOptimizerStep(long globalStep, boolean gradientsUsable) {}

    /**
     * The method's own training state beyond the weights and the optimizer (AdaLoRA's sensitivity EMAs and live
     * {@code rank_pattern}), as new FP32 arrays on {@code manager} by names of the method's choice; a trainer
     * checkpoint stores it so that a resumed run continues as the uninterrupted one. The default has none.
     */
    default Map<String, NDArray> trainingState(NDManager manager) {
        return Map.of();
    }

    /**
     * Puts back what {@link #trainingState} returned (read from a checkpoint; the arrays belong to the caller, who
     * frees them after the call). The default expects nothing.
     */
    default void restoreTrainingState(Map<String, NDArray> state) {}
}
