package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.PreTrainedModelForQuestionAnswering;
import ai.peft4j.models.QuestionAnsweringInputs;
import ai.peft4j.models.QuestionAnsweringModelOutput;
import ai.peft4j.models.SupportsPastKeyValues;
import ai.peft4j.nn.ForwardScope;
import ai.peft4j.nn.Linear;
import java.nio.file.Path;

/**
 * transformers' {@code BertForQuestionAnswering}: the encoder without pooler ({@code bert}) and a linear {@code
 * qa_outputs} giving each token a span-start and a span-end score ({@code num_labels} must be 2, as transformers'
 * split assumes).
 *
 * <pre>{@code
 * try (var qa = BertForQuestionAnswering.fromPretrained(Path.of("bert-squad"))) {
 *   QuestionAnsweringModelOutput out = qa.forward(inputIds, attentionMask, startPositions, endPositions);
 * }
 * }</pre>
 */
public class BertForQuestionAnswering extends PreTrainedModelForQuestionAnswering
        implements BertPreTrainedModel, SupportsPastKeyValues {

    /** The architecture, with no weights allocated (count it, describe it, or load weights into it). */
    public BertForQuestionAnswering(BertConfig config) {
        super(config);
        if (config.numLabels() != 2) {
            throw new IllegalArgumentException(
                    "BertForQuestionAnswering scores a span start and end, so num_labels must"
                            + " be 2 (drop num_labels and id2label from config.json), found " + config.numLabels());
        }
        addBaseModel("bert", new BertModel(config, false));
        addTaskHead("qa_outputs", new Linear(config.hiddenSize(), config.numLabels(), true));
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights); a checkpoint without head gets a fresh one. */
    public static BertForQuestionAnswering fromPretrained(Path dir) {
        return withWeightsFrom(new BertForQuestionAnswering(BertConfig.fromPretrained(dir)), dir);
    }

    /** Seeded random weights, initialised as transformers does (for demos and tests). */
    public static BertForQuestionAnswering fromConfig(BertConfig config, long seed) {
        return withSeededWeights(new BertForQuestionAnswering(config), seed);
    }

    /** {@inheritDoc} */
    @Override
    public BertConfig config() {
        return (BertConfig) super.config();
    }

    /** {@inheritDoc} */
    @Override
    public QuestionAnsweringModelOutput forward(ParameterStore ps, QuestionAnsweringInputs in, boolean training) {
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            NDArray hidden = bert().forward(ps, in.withoutPositions(), training); // (B, T, D)
            NDArray logits = call("qa_outputs", ps, training, hidden); // (B, T, 2)
            NDArray start = logits.get(new NDIndex(":, :, 0"));
            NDArray end = logits.get(new NDIndex(":, :, 1"));
            NDArray loss = questionAnsweringLoss(start, end, in.startPositions(), in.endPositions());
            return new QuestionAnsweringModelOutput(scope.keep(start), scope.keep(end), scope.keep(loss));
        }
    }
}
