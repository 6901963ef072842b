package ai.peft4j.models.roberta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.io.json.PythonJson;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RobertaConfig")
class RobertaConfigTest {

    static RobertaConfig parse(String json) {
        return new RobertaConfig((ObjectNode) PythonJson.parse(json, "test"));
    }

    @Test
    @DisplayName("an empty config has transformers' defaults")
    void defaults() {
        RobertaConfig c = parse("{}");
        assertEquals(50265, c.vocabSize());
        assertEquals(768, c.hiddenSize());
        assertEquals(12, c.numHiddenLayers());
        assertEquals(12, c.numAttentionHeads());
        assertEquals(3072, c.intermediateSize());
        assertEquals("gelu", c.hiddenAct());
        assertEquals(0.1, c.hiddenDropoutProb());
        assertEquals(0.1, c.attentionProbsDropoutProb());
        assertEquals(512, c.maxPositionEmbeddings());
        assertEquals(2, c.typeVocabSize());
        assertEquals(0.02, c.initializerRange());
        assertEquals(1e-12, c.layerNormEps());
        assertEquals(1, c.padTokenId());
        assertEquals(0, c.bosTokenId());
        assertEquals(2, c.eosTokenId());
        assertNull(c.classifierDropout());
        assertEquals(2, c.numLabels());
        assertNull(c.problemType());
    }

    @Test
    @DisplayName("num_labels comes from id2label when present, else num_labels")
    void labels() {
        assertEquals(
                3,
                parse("{\"id2label\": {\"0\": \"a\", \"1\": \"b\", \"2\": \"c\"}}")
                        .numLabels());
        assertEquals(5, parse("{\"num_labels\": 5}").numLabels());
        assertEquals(0.3, parse("{\"classifier_dropout\": 0.3}").classifierDropout());
        assertEquals("regression", parse("{\"problem_type\": \"regression\"}").problemType());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> parse("{\"problem_type\": \"ranking\"}"));
        assertTrue(e.getMessage().contains("problem_type"), e.getMessage());
    }

    @Test
    @DisplayName("unknown fields are kept; unsupported choices are refused clearly")
    void fields() {
        RobertaConfig c = parse("{\"custom_field\": [1, 2], \"model_type\": \"roberta\"}");
        assertEquals("[1,2]", c.toJsonNode().get("custom_field").toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{\"model_type\": \"opt\"}"))
                .getMessage()
                .contains("not a RoBERTa config"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class, () -> parse("{\"position_embedding_type\": \"relative_key\"}"))
                .getMessage()
                .contains("relative_key"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("{\"hidden_act\": \"mish\"}"))
                .getMessage()
                .contains("mish"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> parse("{\"hidden_size\": 10, \"num_attention_heads\": 3}"))
                .getMessage()
                .contains("divisible"));
    }

    @Test
    @DisplayName("sizes, dropout probabilities and layer_norm_eps are checked as BERT's are, naming the field")
    void sharedChecks() {
        for (String bad : new String[] {
            "{\"num_hidden_layers\": 0}",
            "{\"intermediate_size\": -1}",
            "{\"num_attention_heads\": 0}",
            "{\"hidden_dropout_prob\": 1.5}",
            "{\"classifier_dropout\": -0.1}",
            "{\"layer_norm_eps\": 0}"
        }) {
            String key = bad.substring(2, bad.indexOf('"', 2));
            String message = assertThrows(IllegalArgumentException.class, () -> parse(bad), bad)
                    .getMessage();
            assertTrue(message.contains(key), message);
        }
    }

    @Test
    @DisplayName("roberta-large is shipped with its published values")
    void robertaLarge() {
        RobertaConfig c = RobertaConfig.named("roberta-large");
        assertEquals(50265, c.vocabSize());
        assertEquals(1024, c.hiddenSize());
        assertEquals(24, c.numHiddenLayers());
        assertEquals(16, c.numAttentionHeads());
        assertEquals(4096, c.intermediateSize());
        assertEquals(514, c.maxPositionEmbeddings());
        assertEquals(1, c.typeVocabSize());
        assertEquals(1e-5, c.layerNormEps());
        assertEquals(
                "RobertaForMaskedLM", c.toJsonNode().get("architectures").get(0).asText());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RobertaConfig.named("roberta-huge"))
                .getMessage()
                .contains("roberta-large"));
    }
}
