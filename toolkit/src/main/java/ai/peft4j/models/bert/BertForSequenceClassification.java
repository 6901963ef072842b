package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.SequenceClassifierOutput;
import ai.peft4j.models.SupportsPastKeyValues;
import ai.peft4j.nn.ForwardScope;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code BertForSequenceClassification}: the encoder with its pooler ({@code bert}), {@code dropout}
 * and a linear {@code classifier} on the pooled {@code [CLS]} state. The loss follows {@code problem_type}.
 *
 * <pre>{@code
 * try (var m = BertForSequenceClassification.fromPretrained(Path.of("bert-sst2"))) {
 *   SequenceClassifierOutput out = m.forward(inputIds, attentionMask, labels);   // logits (B, L)
 * }
 * }</pre>
 */
public class BertForSequenceClassification extends PreTrainedModelForSequenceClassification
        implements BertPreTrainedModel, SupportsPastKeyValues {

    /** The architecture, with no weights allocated (count it, describe it, or load weights into it). */
    public BertForSequenceClassification(BertConfig config) {
        super(config);
        addBaseModel("bert", new BertModel(config, true));
        addDropoutAndClassifier(config.headDropout(), config.hiddenSize());
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights); a checkpoint without head gets a fresh one. */
    public static BertForSequenceClassification fromPretrained(Path dir) {
        return withWeightsFrom(new BertForSequenceClassification(BertConfig.fromPretrained(dir)), dir);
    }

    /** Seeded random weights, initialised as transformers does (for demos and tests). */
    public static BertForSequenceClassification fromConfig(BertConfig config, long seed) {
        return withSeededWeights(new BertForSequenceClassification(config), seed);
    }

    /** {@inheritDoc} */
    @Override
    public BertConfig config() {
        return (BertConfig) super.config();
    }

    /** {@inheritDoc} A checkpoint of the bare encoder (e.g. bert-base-uncased) has no classifier: it starts untrained. */
    @Override
    public List<String> taskHeadPrefixes() {
        return List.of("classifier.", "bert.pooler.");
    }

    /** {@inheritDoc} */
    @Override
    public SequenceClassifierOutput forward(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            NDArray pooled = bert().pool(ps, bert().forward(ps, in, training), training); // (B, D)
            NDArray logits = dropoutAndClassify(ps, pooled, training); // (B, L)
            return new SequenceClassifierOutput(scope.keep(logits), scope.keep(loss(logits, in.labels())));
        }
    }
}
