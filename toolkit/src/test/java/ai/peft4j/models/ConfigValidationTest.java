package ai.peft4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.io.json.PythonJson;
import ai.peft4j.models.auto.AutoModel;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.models.gpt2.Gpt2Config;
import ai.peft4j.models.llama.LlamaConfig;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.roberta.RobertaConfig;
import ai.peft4j.nn.Weights;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("A model config.json with sizes that cannot make a model")
class ConfigValidationTest {

    /** Builds the config of {@code family} from {@code json} (JSON text of the fields to set). */
    static PretrainedConfig build(String family, String json) {
        ObjectNode node = (ObjectNode) PythonJson.parse(json, "test");
        node.put("model_type", family);
        Function<ObjectNode, PretrainedConfig> make =
                switch (family) {
                    case "opt" -> OptConfig::new;
                    case "llama" -> LlamaConfig::new;
                    case "gpt2" -> Gpt2Config::new;
                    case "roberta" -> RobertaConfig::new;
                    case "bloom" -> ai.peft4j.models.bloom.BloomConfig::new;
                    case "t5" -> ai.peft4j.models.t5.T5Config::new;
                    default -> throw new IllegalArgumentException(family);
                };
        return make.apply(node);
    }

    static ModelConfigException refused(String family, String json) {
        return assertThrows(ModelConfigException.class, () -> build(family, json));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // the three raw ArithmeticExceptions of issue 11
                "opt     | {\"hidden_size\": 1099511627776}             | hidden_size         | fit in 32 bits",
                "opt     | {\"vocab_size\": 2147483648}                  | vocab_size          | fit in 32 bits",
                "opt     | {\"num_attention_heads\": 0}                  | num_attention_heads | positive",
                "llama   | {\"num_attention_heads\": 0}                  | num_attention_heads | positive",
                "gpt2    | {\"n_head\": 0}                               | n_head              | positive",
                "roberta | {\"num_attention_heads\": 0}                  | num_attention_heads | positive",
                // zero and negative sizes
                "opt     | {\"vocab_size\": 0}                           | vocab_size          | positive",
                "opt     | {\"ffn_dim\": -4}                             | ffn_dim             | positive",
                "opt     | {\"num_hidden_layers\": -1}                   | num_hidden_layers   | not be negative",
                "opt     | {\"word_embed_proj_dim\": 0}                  | word_embed_proj_dim | positive",
                "opt     | {\"max_position_embeddings\": -2}             | max_position_embeddings | positive",
                "llama   | {\"intermediate_size\": 0}                    | intermediate_size   | positive",
                "llama   | {\"num_key_value_heads\": 0}                  | num_key_value_heads | positive",
                "gpt2    | {\"n_embd\": -768}                            | n_embd              | positive",
                "gpt2    | {\"n_inner\": 0}                              | n_inner             | positive",
                "roberta | {\"type_vocab_size\": 0}                      | type_vocab_size     | positive",
                // a layer count that would build millions of layers before any weight is read
                "opt     | {\"num_hidden_layers\": 2147483647}            | num_hidden_layers   | more layers than peft4j builds",
                "gpt2    | {\"n_layer\": 10001}                            | n_layer             | more layers than peft4j builds",
                "llama   | {\"num_hidden_layers\": 2000000000}            | num_hidden_layers   | more layers than peft4j builds",
                "roberta | {\"num_hidden_layers\": 10001}                  | num_hidden_layers   | more layers than peft4j builds",
                "bloom   | {\"n_layer\": 10001}                            | n_layer             | more layers than peft4j builds",
                "t5      | {\"num_decoder_layers\": 10001}                 | num_decoder_layers  | more layers than peft4j builds",
                // integers beyond 64 bits are not silently truncated
                "opt     | {\"hidden_size\": 18446744073709551632}       | hidden_size         | 64 bits",
                // sizes that do not divide
                "opt     | {\"hidden_size\": 10, \"num_attention_heads\": 3} | hidden_size      | divisible by num_attention_heads",
                "llama   | {\"hidden_size\": 16, \"num_attention_heads\": 4, \"num_key_value_heads\": 3} | num_attention_heads | divisible by num_key_value_heads",
                "llama   | {\"hidden_size\": 12, \"num_attention_heads\": 4} | hidden_size      | must be even",
                "gpt2    | {\"n_embd\": 10, \"n_head\": 4}               | n_embd              | divisible by n_head",
                // derived sizes that overflow
                "gpt2    | {\"n_embd\": 1073741824, \"n_head\": 1}       | n_embd              | 4 * n_embd",
                // padding rows outside the embedding (nn.Embedding asserts this in PyTorch)
                "opt     | {\"vocab_size\": 40, \"pad_token_id\": 40}   | pad_token_id        | below vocab_size",
                "llama   | {\"vocab_size\": 40, \"pad_token_id\": -41}  | pad_token_id        | below vocab_size",
                "opt     | {\"pad_token_id\": 4294967297}                | pad_token_id        | fit in 32 bits",
            })
    @DisplayName("is refused when built, naming the key")
    void refusedNamingTheKey(String family, String json, String key, String says) {
        ModelConfigException e = refused(family, json);
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }

    @Test
    @DisplayName(
            "token ids default as transformers' config classes do: GPT-2 50256, Llama bos 1 / eos 2, Gemma bos 2 / eos 1")
    void tokenIdDefaults() {
        PretrainedConfig gpt2 = build("gpt2", "{}");
        assertEquals(50256, gpt2.bosTokenId());
        assertEquals(50256, gpt2.eosTokenId());
        PretrainedConfig llama = build("llama", "{}");
        assertEquals(1, llama.bosTokenId());
        assertEquals(2, llama.eosTokenId());
        ObjectNode gemma = (ObjectNode) PythonJson.parse("{\"model_type\": \"gemma\"}", "test");
        PretrainedConfig g = new ai.peft4j.models.gemma.GemmaConfig(gemma);
        assertEquals(2, g.bosTokenId());
        assertEquals(1, g.eosTokenId());
    }

    @Test
    @DisplayName("accepts the largest sizes a published model uses, without allocating anything")
    void largeButValid() {
        LlamaConfig c = (LlamaConfig) build(
                "llama",
                "{\"vocab_size\": 128256, \"hidden_size\": 8192,"
                        + " \"intermediate_size\": 28672, \"num_hidden_layers\": 80, \"num_attention_heads\": 64,"
                        + " \"num_key_value_heads\": 8}");
        assertEquals(128, c.headDim());
        assertEquals(
                -1,
                ((LlamaConfig) build("llama", "{\"pad_token_id\": -1}"))
                        .toJsonNode()
                        .get("pad_token_id")
                        .intValue(),
                "a negative pad id counts from the end, as in PyTorch");
    }

    @Test
    @DisplayName("with a field of the wrong type names it")
    void wrongType() {
        ModelConfigException e = refused("opt", "{\"hidden_size\": \"sixteen\"}");
        assertEquals("hidden_size", e.key());
    }

    @Test
    @DisplayName("with an unknown model_type says which ones exist")
    void unknownModelType() {
        ObjectNode json = (ObjectNode) PythonJson.parse("{\"model_type\": \"bert\"}", "test");
        ModelConfigException e = assertThrows(ModelConfigException.class, () -> AutoModelForCausalLM.fromConfig(json));
        assertEquals("model_type", e.key());
        assertTrue(e.getMessage().contains("supported: opt"), e.getMessage());
    }

    @Test
    @DisplayName("AutoModel with a model_type that has no bare model says which ones exist")
    void unknownBareModelType() {
        ObjectNode json = (ObjectNode) PythonJson.parse("{\"model_type\": \"opt\"}", "test");
        ModelConfigException e = assertThrows(ModelConfigException.class, () -> AutoModel.fromConfig(json));
        assertEquals("model_type", e.key());
        assertTrue(e.getMessage().contains("no bare-model architecture"), e.getMessage());
        assertTrue(e.getMessage().contains("supported: bert"), e.getMessage());
    }

    @Test
    @DisplayName("with an activation OPT does not have is refused when built, not when the layers are")
    void unknownActivation() {
        assertEquals(
                "activation_function",
                refused("opt", "{\"activation_function\": \"tanh\"}").key());
    }

    @Test
    @DisplayName("a weight too large for a Java array cannot be drawn in Java, and says so")
    void tooLargeToDraw() {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> Weights.normal(m, new Shape(65536, 65536), 0, 0.02, new Random(1)));
            assertTrue(e.getMessage().contains("more than one Java array holds"), e.getMessage());
        }
    }
}
