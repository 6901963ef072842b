package ai.peft4j;

import ai.djl.nn.Block;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.PreTrainedBaseModel;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.models.PreTrainedModelForQuestionAnswering;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.PreTrainedModelForTokenClassification;
import ai.peft4j.models.auto.AutoModel;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.models.auto.AutoModelForQuestionAnswering;
import ai.peft4j.models.auto.AutoModelForSeq2SeqLM;
import ai.peft4j.models.auto.AutoModelForSequenceClassification;
import ai.peft4j.models.auto.AutoModelForTokenClassification;
import ai.peft4j.models.t5.T5ForConditionalGeneration;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Which {@link PeftModel} class serves which {@code task_type}: PEFT's {@code
 * MODEL_TYPE_TO_PEFT_MODEL_MAPPING}, with the {@code AutoModelFor*} that loads each task's base model (what PEFT's
 * {@code AutoPeftModelFor*} classes name). A config without a task type on any model gives a plain {@link PeftModel}
 * (PEFT's custom-model case).
 */
final class PeftModels {

    /** Makes the task class around a model already checked to be an {@code M}. */
    @FunctionalInterface
    interface Factory<M> {
        PeftModel create(M model, PeftConfig config, String adapterName);
    }

    /**
     * One task: the kind of model it needs (with an example for messages), its task class and how to make it, and
     * the base model's loaders from a folder and from a folder or Hub repo id.
     */
    record Task<M extends PreTrainedModel>(
            Class<M> modelType,
            String example,
            Class<? extends PeftModel> peftType,
            Factory<M> factory,
            Function<Path, ? extends M> fromDir,
            Function<String, ? extends M> fromId) {

        PeftModel create(Block model, PeftConfig config, String adapterName) {
            return factory.create(modelType.cast(model), config, adapterName);
        }
    }

    private static final Map<TaskType, Task<?>> TASKS = new EnumMap<>(TaskType.class);

    static {
        TASKS.put(
                TaskType.CAUSAL_LM,
                new Task<>(
                        PreTrainedCausalLM.class,
                        "a causal language model (e.g. OptForCausalLM)",
                        PeftModelForCausalLM.class,
                        PeftModelForCausalLM::new,
                        AutoModelForCausalLM::fromPretrained,
                        AutoModelForCausalLM::fromPretrained));
        TASKS.put(
                TaskType.SEQ_CLS,
                new Task<>(
                        PreTrainedModelForSequenceClassification.class,
                        "a sequence classifier (e.g. RobertaForSequenceClassification)",
                        PeftModelForSequenceClassification.class,
                        PeftModelForSequenceClassification::new,
                        AutoModelForSequenceClassification::fromPretrained,
                        AutoModelForSequenceClassification::fromPretrained));
        TASKS.put(
                TaskType.TOKEN_CLS,
                new Task<>(
                        PreTrainedModelForTokenClassification.class,
                        "a token classifier (e.g. BertForTokenClassification)",
                        PeftModelForTokenClassification.class,
                        PeftModelForTokenClassification::new,
                        AutoModelForTokenClassification::fromPretrained,
                        AutoModelForTokenClassification::fromPretrained));
        TASKS.put(
                TaskType.QUESTION_ANS,
                new Task<>(
                        PreTrainedModelForQuestionAnswering.class,
                        "a question-answering model (e.g. BertForQuestionAnswering)",
                        PeftModelForQuestionAnswering.class,
                        PeftModelForQuestionAnswering::new,
                        AutoModelForQuestionAnswering::fromPretrained,
                        AutoModelForQuestionAnswering::fromPretrained));
        TASKS.put(
                TaskType.SEQ_2_SEQ_LM,
                new Task<>(
                        T5ForConditionalGeneration.class,
                        "an encoder-decoder language model (e.g. T5ForConditionalGeneration)",
                        PeftModelForSeq2SeqLM.class,
                        PeftModelForSeq2SeqLM::new,
                        AutoModelForSeq2SeqLM::fromPretrained,
                        AutoModelForSeq2SeqLM::fromPretrained));
        TASKS.put(
                TaskType.FEATURE_EXTRACTION,
                new Task<>(
                        PreTrainedBaseModel.class,
                        "a bare model without head (e.g. BareBertModel, from AutoModel)",
                        PeftModelForFeatureExtraction.class,
                        PeftModelForFeatureExtraction::new,
                        AutoModel::fromPretrained,
                        AutoModel::fromPretrained));
    }

    private PeftModels() {}

    /** The PEFT model for {@code config}'s task around {@code model}; see {@link PeftModel#getPeftModel}. */
    static PeftModel create(Block model, PeftConfig config, String adapterName) {
        if (model instanceof PeftModel) {
            throw new IllegalArgumentException(
                    "the model already is a PeftModel; use addAdapter(name, config) to add another adapter");
        }
        TaskType taskType = config.taskType();
        Task<?> task = taskType == null ? null : TASKS.get(taskType);
        if (task != null) {
            if (!task.modelType().isInstance(model)) {
                throw new IllegalArgumentException("task_type " + taskType + " needs " + task.example() + ", got "
                        + model.getClass().getSimpleName() + "; leave task_type unset for custom models");
            }
            return task.create(model, config, adapterName);
        }
        if (config.isPromptLearning()) {
            throw new IllegalArgumentException(config.peftType() + " adds virtual tokens in the forward pass of a task "
                    + "model: set task_type to one of " + TASKS.keySet() + " (on a matching model); found task_type "
                    + taskType);
        }
        return new PeftModel(model, config, adapterName);
    }

    /** The task whose class is {@code peftType}. */
    static TaskType taskOf(Class<? extends PeftModel> peftType) {
        return TASKS.entrySet().stream()
                .filter(e -> e.getValue().peftType() == peftType)
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(peftType.getSimpleName() + " is no task class"));
    }

    /** The registration of {@code task}. */
    static Task<?> task(TaskType task) {
        return TASKS.get(task);
    }
}
