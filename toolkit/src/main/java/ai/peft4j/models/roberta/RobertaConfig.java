package ai.peft4j.models.roberta;

import ai.peft4j.models.ConfigKey;
import ai.peft4j.models.ModelConfigException;
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

    private static final ConfigKey<Integer> PAD_TOKEN_ID = ConfigKey.int32("pad_token_id", 1);
    private static final ConfigKey<Integer> BOS_TOKEN_ID = ConfigKey.int32("bos_token_id", 0);
    private static final ConfigKey<Integer> EOS_TOKEN_ID = ConfigKey.int32("eos_token_id", 2);

    private static final Schema SCHEMA = familySchema(
            "roberta",
            "RoBERTa",
            "RobertaForSequenceClassification",
            List.of("roberta-base", "roberta-large"),
            50265,
            PAD_TOKEN_ID,
            BOS_TOKEN_ID,
            EOS_TOKEN_ID);

    /** Reads the typed fields of a parsed {@code config.json}, with transformers' defaults. */
    public RobertaConfig(ObjectNode json) {
        super(json, SCHEMA);
        int pad = padTokenId();
        if (pad < 0 || pad >= vocabSize() || pad >= maxPositionEmbeddings()) {
            throw new ModelConfigException(
                    "pad_token_id",
                    "pad_token_id (" + pad + ") is the padding row of the word and position"
                            + " embeddings, so it must be below vocab_size (" + vocabSize()
                            + ") and max_position_embeddings (" + maxPositionEmbeddings() + ")");
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

    /** The padding token id; also the position row of padding (positions start after it). */
    public int padTokenId() {
        return get(PAD_TOKEN_ID);
    }

    public int bosTokenId() {
        return get(BOS_TOKEN_ID);
    }

    public int eosTokenId() {
        return get(EOS_TOKEN_ID);
    }
}
