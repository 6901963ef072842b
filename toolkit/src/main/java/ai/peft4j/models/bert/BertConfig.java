package ai.peft4j.models.bert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

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

    private static final Schema SCHEMA = familySchema(
            "bert",
            "BERT",
            "BertForSequenceClassification",
            List.of("bert-base-uncased"),
            30522,
            // BertConfig passes pad_token_id=0 on; an explicit null means no padding row.
            PAD_TOKEN_ID.defaultsTo(0));

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public BertConfig(ObjectNode json) {
        super(json, SCHEMA);
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
        return new BertConfig(SCHEMA.shippedJson(modelId));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<BertConfig> builder() {
        return SCHEMA.builder(BertConfig::new);
    }
}
