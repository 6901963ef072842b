package ai.peft4j.models.roberta;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.SequenceClassifierOutput;
import ai.peft4j.nn.ForwardScope;
import java.nio.file.Path;

/**
 * transformers' {@code RobertaForSequenceClassification}: the encoder without pooler ({@code
 * roberta}) and a {@link RobertaClassificationHead} ({@code classifier}) on the first token. The
 * loss follows {@code problem_type}: MSE for one label, cross-entropy for integer labels,
 * BCE-with-logits otherwise.
 *
 * <pre>{@code
 * try (var m = RobertaForSequenceClassification.fromPretrained(Path.of("tiny_roberta"))) {
 *   SequenceClassifierOutput out = m.forward(inputIds, attentionMask, labels);  // logits (B, L)
 * }
 * // Architecture only, seeded random weights (for demos: the outputs mean nothing):
 * var demo = RobertaForSequenceClassification.fromConfig(RobertaConfig.named("roberta-large"), 42);
 * }</pre>
 */
public class RobertaForSequenceClassification extends PreTrainedModelForSequenceClassification
        implements ai.peft4j.models.SupportsPastKeyValues {

    /** The architecture, with no weights allocated (count it, describe it, or load weights into it). */
    public RobertaForSequenceClassification(RobertaConfig config) {
        super(config);
        addBaseModel("roberta", new RobertaModel(config, false));
        addTaskHead("classifier", new RobertaClassificationHead(config));
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights). */
    public static RobertaForSequenceClassification fromPretrained(Path dir) {
        return withWeightsFrom(new RobertaForSequenceClassification(RobertaConfig.fromPretrained(dir)), dir);
    }

    /** Seeded random weights, initialised as transformers does (for demos and tests). */
    public static RobertaForSequenceClassification fromConfig(RobertaConfig config, long seed) {
        return withSeededWeights(new RobertaForSequenceClassification(config), seed);
    }

    /** {@inheritDoc} */
    @Override
    public RobertaConfig config() {
        return (RobertaConfig) super.config();
    }

    public RobertaModel roberta() {
        return (RobertaModel) baseModel();
    }

    /**
     * The current {@code classifier}: the {@link RobertaClassificationHead}, or whatever replaced it
     * (a {@code ModulesToSaveWrapper} under PEFT).
     */
    public ai.djl.nn.Block classifier() {
        return module("classifier");
    }

    /** {@inheritDoc} */
    @Override
    public SequenceClassifierOutput forward(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            NDArray hidden = roberta().forward(ps, in, training); // (B, T, D)
            NDArray logits = call("classifier", ps, training, hidden); // (B, num_labels)
            return new SequenceClassifierOutput(scope.keep(logits), scope.keep(loss(logits, in.labels())));
        }
    }
}
