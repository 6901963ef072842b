package ai.peft4j.tuners.prompt;

import ai.peft4j.config.ConfigField;
import ai.peft4j.config.ConfigSchema;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.TaskType;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * PEFT 0.10's {@code PromptLearningConfig}: the fields shared by the methods that learn virtual tokens (p-tuning,
 * prompt tuning, prefix tuning). Every field but {@code num_virtual_tokens} may be left {@code null}; applying the
 * config to a model fills them from the model's {@code config.json} as PEFT's {@code
 * _prepare_prompt_learning_config} does ({@link #withModelDefaults}).
 *
 * <pre>{@code
 * PromptEncoderConfig c = PromptEncoderConfig.builder().numVirtualTokens(20).encoderHiddenSize(128)
 *     .taskType(TaskType.SEQ_CLS).build();
 * c.tokenDim();                          // null until applied to a model
 * }</pre>
 */
public abstract class PromptLearningConfig extends PeftConfig {

    /** {@code num_virtual_tokens}: how many virtual tokens are prepended (per transformer submodule); must be set. */
    public static final ConfigField<Integer> NUM_VIRTUAL_TOKENS = positiveOrNull("num_virtual_tokens");

    /** {@code token_dim}: the hidden size of the base model's embeddings, or null (taken from the model). */
    public static final ConfigField<Integer> TOKEN_DIM = positiveOrNull("token_dim");

    /** {@code num_transformer_submodules}: 1 (decoder-only, encoder-only) or 2 (seq2seq), or null. */
    public static final ConfigField<Integer> NUM_TRANSFORMER_SUBMODULES = ConfigField.optInteger(
                    "num_transformer_submodules")
            .check(
                    n -> n == 1 || n == 2,
                    n -> "expected 1 " + "(decoder-only or encoder-only models) or 2 (encoder-decoder models), found "
                            + n);

    /** {@code num_attention_heads} of the base model, or null. */
    public static final ConfigField<Integer> NUM_ATTENTION_HEADS = positiveOrNull("num_attention_heads");

    /** {@code num_layers} of the base model, or null. */
    public static final ConfigField<Integer> NUM_LAYERS = positiveOrNull("num_layers");

    /**
     * {@code encoder_hidden_size}, a field of p-tuning (the prompt encoder's hidden size) and of prefix tuning (the
     * projection MLP's); null until applied to a model, which sets it to {@code token_dim}.
     */
    public static final ConfigField<Integer> ENCODER_HIDDEN_SIZE = positiveOrNull("encoder_hidden_size");

    /** The fields every prompt-learning config has, in the order they are read. */
    public static final List<ConfigField<?>> FIELDS = Stream.concat(
                    PeftConfig.FIELDS.stream(),
                    Stream.of(
                            NUM_VIRTUAL_TOKENS, TOKEN_DIM, NUM_TRANSFORMER_SUBMODULES, NUM_ATTENTION_HEADS, NUM_LAYERS))
            .toList();

    protected PromptLearningConfig(ConfigSchema<?> schema, Map<ConfigField<?>, Object> values) {
        super(schema, values);
    }

    /** A JSON integer or null that must be positive when set. */
    protected static ConfigField<Integer> positiveOrNull(String key) {
        return ConfigField.optInteger(key).check(v -> v > 0, v -> "expected a positive integer or null, found " + v);
    }

    @Override
    protected void validate() {
        if (numVirtualTokens() == null) {
            throw new PeftConfigException(
                    "key 'num_virtual_tokens' must be set: how many virtual tokens to learn " + "(e.g. 20)");
        }
    }

    // Accessors: see the field constants above.
    public Integer numVirtualTokens() {
        return get(NUM_VIRTUAL_TOKENS);
    }

    public Integer tokenDim() {
        return get(TOKEN_DIM);
    }

    public Integer numTransformerSubmodules() {
        return get(NUM_TRANSFORMER_SUBMODULES);
    }

    public Integer numAttentionHeads() {
        return get(NUM_ATTENTION_HEADS);
    }

    public Integer numLayers() {
        return get(NUM_LAYERS);
    }

    /** {@code num_virtual_tokens * num_transformer_submodules}: the rows of the prompt embedding. */
    public int totalVirtualTokens() {
        return numVirtualTokens() * (numTransformerSubmodules() == null ? 1 : numTransformerSubmodules());
    }

    /**
     * A copy with the unset fields taken from the base model's {@code config.json}, as PEFT's {@code
     * _prepare_prompt_learning_config} and {@code _setup_prompt_encoder} do: {@code num_layers} from {@code
     * num_hidden_layers}, {@code num_layers} or {@code n_layer}; {@code token_dim} from {@code hidden_size}, {@code
     * n_embd} or {@code d_model}; {@code num_attention_heads} from {@code num_attention_heads}, {@code n_head}, {@code
     * num_heads} or {@code encoder_attention_heads}; {@code encoder_hidden_size} (where the method has one) = {@code
     * token_dim}; {@code num_transformer_submodules} = 2 for {@code SEQ_2_SEQ_LM}, else 1. The copy has this config's
     * class.
     *
     * @param modelConfig the model's {@code config.json}, or null for a model without one (then every field must be set)
     */
    @SuppressWarnings("unchecked")
    public <C extends PromptLearningConfig> C withModelDefaults(JsonNode modelConfig) {
        PeftConfig.Builder<?, ?> b = asBuilder();
        if (numLayers() == null) {
            b.set(NUM_LAYERS, fromModel(modelConfig, "num_layers", "num_hidden_layers", "num_layers", "n_layer"));
        }
        Integer tokenDim = tokenDim() != null
                ? tokenDim()
                : fromModel(modelConfig, "token_dim", "hidden_size", "n_embd", "d_model");
        b.set(TOKEN_DIM, tokenDim);
        if (numAttentionHeads() == null) {
            b.set(
                    NUM_ATTENTION_HEADS,
                    fromModel(
                            modelConfig,
                            "num_attention_heads",
                            "num_attention_heads",
                            "n_head",
                            "num_heads",
                            "encoder_attention_heads"));
        }
        if (numTransformerSubmodules() == null) {
            b.set(NUM_TRANSFORMER_SUBMODULES, taskType() == TaskType.SEQ_2_SEQ_LM ? 2 : 1);
        }
        if (schema().has(ENCODER_HIDDEN_SIZE) && get(ENCODER_HIDDEN_SIZE) == null) {
            b.set(ENCODER_HIDDEN_SIZE, tokenDim);
        }
        return (C) b.build();
    }

    private static int fromModel(JsonNode modelConfig, String field, String... keys) {
        if (modelConfig != null) {
            for (String key : keys) {
                JsonNode n = modelConfig.get(key);
                if (n != null && n.isIntegralNumber()) {
                    return n.intValue();
                }
            }
        }
        throw new PeftConfigException("Please specify `" + field + "` in the config: "
                + (modelConfig == null
                        ? "the model has no config.json to take it from"
                        : "the model's config.json has none of " + String.join(", ", keys)));
    }

    /** The shared builder; subclasses add their method's fields. */
    public abstract static class Builder<B extends Builder<B, C>, C extends PromptLearningConfig>
            extends PeftConfig.Builder<B, C> {

        protected Builder(ConfigSchema<C> schema) {
            super(schema);
        }

        public B numVirtualTokens(Integer n) {
            return set(NUM_VIRTUAL_TOKENS, n);
        }

        public B tokenDim(Integer tokenDim) {
            return set(TOKEN_DIM, tokenDim);
        }

        public B numTransformerSubmodules(Integer n) {
            return set(NUM_TRANSFORMER_SUBMODULES, n);
        }

        public B numAttentionHeads(Integer n) {
            return set(NUM_ATTENTION_HEADS, n);
        }

        public B numLayers(Integer n) {
            return set(NUM_LAYERS, n);
        }
    }
}
