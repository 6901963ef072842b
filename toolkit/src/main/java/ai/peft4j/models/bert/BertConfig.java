package ai.peft4j.models.bert;

import ai.peft4j.models.ModelConfigException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * transformers' {@code BertConfig}: every field with the same name and default. Unknown fields are kept and saved
 * back. {@link #numLabels()} and {@link #problemType()} follow transformers' {@code PretrainedConfig} ({@code
 * id2label} or {@code num_labels}, default 2).
 *
 * <pre>{@code
 * BertConfig c = BertConfig.named("bert-base-uncased");   // shipped config, no weights
 * BertConfig tiny = BertConfig.builder().set("hidden_size", 16).set("num_attention_heads", 2).set("num_labels", 5)
 *     .build();
 * }</pre>
 */
public final class BertConfig extends BertFamilyConfig {

    private final Integer padTokenId;

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public BertConfig(ObjectNode json) {
        super(json, "bert", "BERT", 30522);
        // BertConfig passes pad_token_id=0 on; an explicit null means no padding row.
        Long pad = json.has("pad_token_id") ? optInteger("pad_token_id") : Long.valueOf(0);
        padTokenId = pad == null ? null : Math.toIntExact(pad);
        if (padTokenId != null && (padTokenId < 0 || padTokenId >= vocabSize())) {
            throw new ModelConfigException(
                    "pad_token_id",
                    "pad_token_id (" + padTokenId + ") is the padding row of the word"
                            + " embeddings, so it must lie in [0, vocab_size = " + vocabSize() + ")");
        }
    }

    /** Reads {@code dir/config.json}. */
    public static BertConfig fromPretrained(Path dir) {
        return new BertConfig(readJson(dir));
    }

    /**
     * A published configuration shipped with peft4j ({@code bert-base-uncased}): the architecture only, no weights.
     * Like {@code from_pretrained}, the model id becomes {@code _name_or_path}.
     */
    public static BertConfig named(String modelId) {
        return new BertConfig(shipped("bert", modelId, "bert-base-uncased"));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<BertConfig> builder() {
        return new Builder<>("bert", "BertForSequenceClassification", BertConfig::new);
    }

    /** The padding token id (the word embedding's zero row), or null for none. */
    public Integer padTokenId() {
        return padTokenId;
    }
}
