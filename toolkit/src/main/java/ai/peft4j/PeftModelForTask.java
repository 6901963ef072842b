package ai.peft4j;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.ModelInputs;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.tuners.MixedBatch;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;

/**
 * What PEFT's task classes ({@code PeftModelForSequenceClassification}, ...) share: the typed base model and a
 * typed forward that, with a prompt-learning adapter active, runs the base model on the inputs with the virtual
 * tokens in place, in a {@link ForwardScope} that keeps only the output's arrays. A task class names its base
 * model's forward and says how its inputs take the virtual tokens.
 *
 * @param <M> the base model's type
 * @param <I> the base model's inputs
 * @param <O> the base model's output, a record of arrays
 */
abstract class PeftModelForTask<M extends PreTrainedModel, I, O extends Record> extends PeftModel {

    /** A base model's typed forward, e.g. {@code PreTrainedCausalLM::forward}. */
    @FunctionalInterface
    interface Forward<M, I, O> {
        O forward(M model, ParameterStore ps, I in, boolean training);
    }

    private final M model;
    private final Forward<M, I, O> baseForward;

    PeftModelForTask(M model, PeftConfig config, String adapterName, Forward<M, I, O> baseForward) {
        super(model, config, adapterName);
        this.model = model;
        this.baseForward = baseForward;
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
            O out = baseForward.forward(model, ps, in, training);
            // PEFT's method forward adds its regulariser to a loss (AdaLoRA); prompt learning has none
            return rebuild(out, (name, array) -> name.equals("loss") ? regularized(ps, array, training) : array);
        }
        try (ForwardScope scope = promptScope(ps, training)) {
            return keep(baseForward.forward(model, ps, withPrompts(ps, in, training), training), scope);
        }
    }

    /**
     * {@link #forward(ParameterStore, Object, boolean)} with PEFT's {@code adapter_names}: row {@code i} runs with
     * adapter {@code adapterNames.get(i)} ({@code "__base__"}: none); see {@link PeftModel#forward(ParameterStore,
     * ai.djl.ndarray.NDList, boolean, java.util.List)}. Null names give the plain forward.
     */
    public O forward(ParameterStore ps, I in, boolean training, List<String> adapterNames) {
        try (MixedBatch.Scope scope = mixedBatch(adapterNames, rowsOf(in), training)) {
            return forward(ps, in, training);
        }
    }

    /** The batch size of {@code in}, or -1 for inputs that do not say (the layers check it then). */
    private static long rowsOf(Object in) {
        return in instanceof ModelInputs m && m.any() != null
                ? m.any().getShape().get(0)
                : -1;
    }

    /** {@link #forward(ParameterStore, Object, boolean)} in the model's current mode, on the manager of {@code like}. */
    protected final O forwardInMode(I in, NDArray like) {
        return forward(new ParameterStore(like.getManager(), false), in, model.isTraining());
    }

    /** {@link #forwardInMode(Object, NDArray)} with PEFT's {@code adapter_names} (null: none). */
    protected final O forwardInMode(I in, NDArray like, List<String> adapterNames) {
        return forward(new ParameterStore(like.getManager(), false), in, model.isTraining(), adapterNames);
    }

    /** {@code in} with the active prompt-learning adapter's virtual tokens in place (see {@link VirtualTokenInputs}). */
    protected abstract I withPrompts(ParameterStore ps, I in, boolean training);

    /** {@code out} with every array it holds kept by {@code scope} (the output records hold arrays or nulls). */
    private static <O extends Record> O keep(O out, ForwardScope scope) {
        return rebuild(out, (name, array) -> scope.keep(array));
    }

    /** {@code out} with each array it holds replaced by {@code f(componentName, array)}; {@code out} if none changes. */
    private static <O extends Record> O rebuild(O out, BiFunction<String, NDArray, NDArray> f) {
        RecordComponent[] components = out.getClass().getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        boolean changed = false;
        try {
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                values[i] = components[i].getAccessor().invoke(out);
                if (values[i] instanceof NDArray array) {
                    values[i] = f.apply(components[i].getName(), array);
                    changed |= values[i] != array;
                }
            }
            if (!changed) {
                return out;
            }
            @SuppressWarnings("unchecked")
            Class<O> type = (Class<O>) out.getClass();
            return type.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot rebuild " + out.getClass().getSimpleName(), e);
        }
    }

    /**
     * {@link PeftModel#fromPretrained(Block, Path)} typed as the task class {@code type}: the adapter in {@code dir}
     * for inference.
     *
     * @throws IllegalArgumentException when the adapter is for another task, checked before the model is touched
     */
    static <P extends PeftModel> P fromPretrained(Block model, Path dir, Class<P> type) {
        TaskType expected = PeftModels.taskOf(type);
        TaskType found = ai.peft4j.config.PeftConfig.fromPretrained(dir).taskType();
        if (found != expected) {
            throw new IllegalArgumentException("the adapter in " + dir + " has task_type " + found + ", not " + expected
                    + "; load it with the class for its task, or PeftModel.fromPretrained");
        }
        return type.cast(PeftModel.fromPretrained(model, dir));
    }
}
