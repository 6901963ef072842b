package ai.peft4j.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.BaseModelOutput;
import ai.peft4j.models.PreTrainedBaseModel;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.SupportsPastKeyValues;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ForwardScope;
import java.nio.file.Path;

/**
 * transformers' {@code BertModel} loaded on its own ({@code AutoModel.from_pretrained("bert-base-uncased")}): {@code
 * embeddings}, {@code encoder} and {@code pooler} at the root of the module tree, as PEFT's keys for a feature
 * extractor expect ({@code encoder.layer.0.attention.self.query}). The computation is {@link BertModel}'s.
 *
 * <pre>{@code
 * try (var bert = BareBertModel.fromPretrained(Path.of("bert-base-uncased"))) {
 *   BaseModelOutput out = bert.forward(inputIds, attentionMask);   // last_hidden_state (B, T, D), pooler_output (B, D)
 * }
 * }</pre>
 */
public class BareBertModel extends PreTrainedBaseModel implements SupportsPastKeyValues {

    /** The computation; its children are this model's (registered here without a prefix). */
    private final BertModel bert;

    /** The architecture, with no weights allocated. */
    public BareBertModel(BertConfig config) {
        super(config);
        bert = new BertModel(config, true);
        bert.namedChildren().forEach(this::addModule);
    }

    /** Loads {@code dir} ({@code config.json} + safetensors weights of a bare BERT). */
    public static BareBertModel fromPretrained(Path dir) {
        return withWeightsFrom(new BareBertModel(BertConfig.fromPretrained(dir)), dir);
    }

    /** Seeded random weights, initialised as transformers does (for demos and tests). */
    public static BareBertModel fromConfig(BertConfig config, long seed) {
        return withSeededWeights(new BareBertModel(config), seed);
    }

    /** {@inheritDoc} */
    @Override
    public BertConfig config() {
        return (BertConfig) super.config();
    }

    /** {@inheritDoc} A checkpoint of a BERT with a head keeps the encoder under {@code bert.}. */
    @Override
    public String baseModelPrefix() {
        return "bert";
    }

    /**
     * {@inheritDoc} The pooler: token-classification and QA checkpoints are saved without it, and transformers creates
     * it fresh (with a warning) when such a checkpoint is loaded as a bare {@code BertModel}.
     */
    @Override
    public java.util.List<String> taskHeadPrefixes() {
        return java.util.List.of("pooler.");
    }

    /** {@inheritDoc} */
    @Override
    public Embedding inputEmbeddings() {
        return bert.embeddings().wordEmbeddings();
    }

    /** {@inheritDoc} The pooled output is the pooler on the first position's hidden state. */
    @Override
    public BaseModelOutput forward(ParameterStore ps, SequenceClassifierInputs in, boolean training) {
        try (ForwardScope scope = ForwardScope.open(this, ps, training)) {
            NDArray hidden = bert.forward(ps, in, training);
            NDArray pooled = bert.pool(ps, hidden, training);
            return new BaseModelOutput(scope.keep(hidden), scope.keep(pooled));
        }
    }

    /** {@inheritDoc} A replaced root module (a modules_to_save wrapper) is what the computation uses too. */
    @Override
    protected void onChildReplaced(String name, Block old, Block replacement) {
        bert.replaceChild(name, replacement);
    }
}
