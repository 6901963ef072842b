package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.nn.ForwardScope;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * What PEFT's task classes ({@code PeftModelForSequenceClassification}, ...) share: the typed base model and a
 * typed forward that, with a prompt-learning adapter active, runs the base model on the inputs with the virtual
 * tokens in place, in a {@link ForwardScope} that keeps only the outputs. A task class says how its inputs take
 * the virtual tokens and which arrays its output holds.
 *
 * @param <M> the base model's type
 * @param <I> the base model's inputs
 * @param <O> the base model's output
 */
abstract class PeftModelForTask<M extends Block, I, O> extends PeftModel {

    private final M model;

    PeftModelForTask(M model, PeftConfig config, String adapterName) {
        super(model, config, adapterName);
        this.model = model;
    }

    /** The wrapped model, with adapter layers (and wrapped heads) in place. */
    @Override
    public M getBaseModel() {
        return model;
    }

    /**
     * The full forward pass with an explicit parameter store and mode: the base model's, on inputs that carry the
     * active prompt-learning adapter's virtual tokens when there is one.
     */
    public O forward(ParameterStore ps, I in, boolean training) {
        if (activePrompts() == null) {
            return baseForward(ps, in, training);
        }
        try (ForwardScope scope = promptScope(ps, training)) {
            return keep(baseForward(ps, withPrompts(ps, in, training), training), scope::keep);
        }
    }

    /** The base model's forward. */
    protected abstract O baseForward(ParameterStore ps, I in, boolean training);

    /** {@code in} with the active prompt-learning adapter's virtual tokens in place (see {@link VirtualTokenInputs}). */
    protected abstract I withPrompts(ParameterStore ps, I in, boolean training);

    /** {@code out} with each of its arrays passed through {@code keep} (null arrays stay null). */
    protected abstract O keep(O out, UnaryOperator<NDArray> keep);

    /**
     * {@link PeftModel#fromPretrained(Block, Path)} typed as the task class {@code type}: the adapter in {@code dir}
     * for inference.
     *
     * @throws IllegalArgumentException when the adapter is for another task; the model is then given back unchanged
     */
    static <P extends PeftModel> P fromPretrained(Block model, Path dir, Class<P> type) {
        PeftModel peft = PeftModel.fromPretrained(model, dir);
        if (!type.isInstance(peft)) {
            peft.restoreBaseModel();
            throw new IllegalArgumentException("the adapter in " + dir + " has task_type "
                    + peft.activePeftConfig().taskType() + ", not " + PeftModels.taskOf(type));
        }
        return type.cast(peft);
    }
}
