package ai.peft4j;

import ai.djl.nn.Block;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.PreTrainedModelForQuestionAnswering;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.PreTrainedModelForTokenClassification;
import ai.peft4j.models.t5.T5ForConditionalGeneration;
import java.util.EnumMap;
import java.util.Map;

/**
 * Which {@link PeftModel} class serves which {@code task_type}: PEFT's {@code
 * MODEL_TYPE_TO_PEFT_MODEL_MAPPING}. A config without a task type on any model gives a plain
 * {@link PeftModel} (PEFT's custom-model case).
 */
final class PeftModels {

    /** Makes the task model after checking that the user's model is of the kind the task needs. */
    private record Task(Class<?> modelType, String example, Factory factory) {}

    @FunctionalInterface
    private interface Factory {
        PeftModel create(Block model, PeftConfig config, String adapterName);
    }

    private static final Map<TaskType, Task> TASKS = new EnumMap<>(TaskType.class);

    static {
        TASKS.put(
                TaskType.CAUSAL_LM,
                new Task(
                        PreTrainedCausalLM.class,
                        "a causal language model (e.g. OptForCausalLM)",
                        (m, c, n) -> new PeftModelForCausalLM((PreTrainedCausalLM) m, c, n)));
        TASKS.put(
                TaskType.SEQ_CLS,
                new Task(
                        PreTrainedModelForSequenceClassification.class,
                        "a sequence classifier (e.g. RobertaForSequenceClassification)",
                        (m, c, n) -> new PeftModelForSequenceClassification(
                                (PreTrainedModelForSequenceClassification) m, c, n)));
        TASKS.put(
                TaskType.TOKEN_CLS,
                new Task(
                        PreTrainedModelForTokenClassification.class,
                        "a token classifier (e.g. BertForTokenClassification)",
                        (m, c, n) ->
                                new PeftModelForTokenClassification((PreTrainedModelForTokenClassification) m, c, n)));
        TASKS.put(
                TaskType.QUESTION_ANS,
                new Task(
                        PreTrainedModelForQuestionAnswering.class,
                        "a question-answering model (e.g. BertForQuestionAnswering)",
                        (m, c, n) -> new PeftModelForQuestionAnswering((PreTrainedModelForQuestionAnswering) m, c, n)));
        TASKS.put(
                TaskType.SEQ_2_SEQ_LM,
                new Task(
                        T5ForConditionalGeneration.class,
                        "an encoder-decoder language model (e.g. T5ForConditionalGeneration)",
                        (m, c, n) -> new PeftModelForSeq2SeqLM((T5ForConditionalGeneration) m, c, n)));
    }

    private PeftModels() {}

    /** The PEFT model for {@code config}'s task around {@code model}; see {@link PeftModel#getPeftModel}. */
    static PeftModel create(Block model, PeftConfig config, String adapterName) {
        if (model instanceof PeftModel) {
            throw new IllegalArgumentException(
                    "the model already is a PeftModel; use addAdapter(name, config) to add another adapter");
        }
        TaskType taskType = config.taskType();
        Task task = taskType == null ? null : TASKS.get(taskType);
        if (task != null) {
            if (!task.modelType().isInstance(model)) {
                throw new IllegalArgumentException("task_type " + taskType + " needs " + task.example() + ", got "
                        + model.getClass().getSimpleName() + "; leave task_type unset for custom models");
            }
            return task.factory().create(model, config, adapterName);
        }
        if (config.isPromptLearning()) {
            throw new IllegalArgumentException(config.peftType() + " adds virtual tokens in the forward pass of a task "
                    + "model: set task_type to one of " + TASKS.keySet() + " (on a matching model); found task_type "
                    + taskType);
        }
        return new PeftModel(model, config, adapterName);
    }
}
