package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.PreTrainedModelForTokenClassification;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.SupportsPastKeyValues;
import ai.peft4j.models.TokenClassifierOutput;
import ai.peft4j.nn.ForwardScope;
import java.nio.file.Path;

/**
 * transformers' {@code BertForTokenClassification}: the encoder without pooler ({@code bert}), {@code dropout} and a
 * linear {@code classifier} on every token. The loss is the cross-entropy over the tokens not labelled -100.
 *
 * <pre>{@code
 * try (var ner = BertForTokenClassification.fromPretrained(Path.of("bert-ner"))) {
 *   TokenClassifierOutput out = ner.forward(inputIds, attentionMask, labels);   // logits (B, T, L)
 * }
 * }</pre>
 */
public class BertForTokenClassification extends PreTrainedModelForTokenClassification
        implements BertPreTrainedModel, SupportsPastKeyValues {

    /** The architecture, with no weights allocated (count it, describe it, or load weights into it). */
    public BertForTokenClassification(BertConfig config) {
        super(config);
        addBaseModel("bert", new BertModel(config, false));
        addDropoutAndClassifier(config.headDropout(), config.hiddenSize());
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights); a checkpoint without head gets a fresh one. */
    public static BertForTokenClassification fromPretrained(Path dir) {
        return withWeightsFrom(new BertForTokenClassification(BertConfig.fromPretrained(dir)), dir);
    }

    /** Seeded random weights, initialised as transformers does (for demos and tests). */
    public static BertForTokenClassification fromConfig(BertConfig config, long seed) {
        return withSeededWeights(new BertForTokenClassification(config), seed);
    }

    /** {@inheritDoc} */
    @Override
    public BertConfig config() {
        return (BertConfig) super.config();
    }

    /** {@inheritDoc} */
    @Override
    public TokenClassifierOutput forward(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            NDArray logits = dropoutAndClassify(ps, bert().forward(ps, in, training), training); // (B, T, L)
            NDArray loss = tokenClassificationLoss(logits, in.labels(), numLabels());
            return new TokenClassifierOutput(scope.keep(logits), scope.keep(loss));
        }
    }
}
