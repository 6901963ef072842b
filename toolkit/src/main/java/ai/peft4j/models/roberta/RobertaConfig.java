package ai.peft4j.models.roberta;

import ai.peft4j.models.ConfigKey;
import ai.peft4j.models.bert.BertFamilyConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code RobertaConfig}: every field with the same name and default. Unknown fields
 * are kept and saved back. {@link #numLabels()} and {@link #problemType()} follow transformers'
 * {@code PretrainedConfig} ({@code id2label} or {@code num_labels}, default 2).
 *
 * <pre>{@code
 * RobertaConfig c = RobertaConfig.fromPretrained(Path.of("tiny_roberta"));
 * RobertaConfig big = RobertaConfig.named("roberta-large");   // shipped config, no weights
 * RobertaConfig tiny = RobertaConfig.builder().set("hidden_size", 16).set("num_labels", 3).build();
 * }</pre>
 */
public final class RobertaConfig extends BertFamilyConfig {

    private static final Schema SCHEMA = familySchema(
            "roberta",
            "RoBERTa",
            "RobertaForSequenceClassification",
            List.of("roberta-base", "roberta-large"),
            50265,
            // Never null: the padding row is also where positions start.
            ConfigKey.int32(PAD_TOKEN_ID.name(), 1),
            BOS_TOKEN_ID.defaultsTo(0),
            EOS_TOKEN_ID.defaultsTo(2));

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public RobertaConfig(ObjectNode json) {
        super(json, SCHEMA);
        if (padTokenId() >= maxPositionEmbeddings()) {
            throw invalid(
                    "pad_token_id",
                    "(" + padTokenId() + ") is also the padding row of the position embeddings, so it must be below"
                            + " max_position_embeddings (" + maxPositionEmbeddings() + ")");
        }
    }

    /** Reads {@code dir/config.json}. */
    public static RobertaConfig fromPretrained(Path dir) {
        return new RobertaConfig(readJson(dir));
    }

    /**
     * A published configuration shipped with peft4j ({@code roberta-base}, {@code roberta-large}):
     * the architecture only, no weights. Like {@code from_pretrained}, the model id becomes {@code
     * _name_or_path}.
     */
    public static RobertaConfig named(String modelId) {
        return new RobertaConfig(SCHEMA.shippedJson(modelId));
    }

    /** A builder that starts from transformers' defaults. */
    public static Builder<RobertaConfig> builder() {
        return SCHEMA.builder(RobertaConfig::new);
    }
}
