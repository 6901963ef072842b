package ai.peft4j.models.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.json.PythonJson;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.PretrainedConfig;
import ai.peft4j.models.QuestionAnsweringInputs;
import ai.peft4j.models.QuestionAnsweringModelOutput;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.SequenceClassifierOutput;
import ai.peft4j.models.TokenClassifierOutput;
import ai.peft4j.models.auto.AutoModelForQuestionAnswering;
import ai.peft4j.models.auto.AutoModelForSequenceClassification;
import ai.peft4j.models.auto.AutoModelForTokenClassification;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BERT against {@code reference/tiny_bert}, written by {@code scripts/bert_bloom_reference.py} with transformers' own
 * {@code BertForSequenceClassification}, {@code BertForTokenClassification} and {@code BertForQuestionAnswering}
 * sharing one seeded encoder: outputs of a right-padded and a left-padded batch with token type ids.
 */
@DisplayName("BERT (BertModel and its sequence, token and question-answering heads)")
class BertModelsTest {

    static final List<String> BATCHES = List.of("right_padded", "left_padded");

    static Path tinyBert(String task) {
        try {
            return Path.of(BertModelsTest.class
                            .getResource("/reference/tiny_bert/" + task + "/config.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode golden(String relative) {
        return Golden.read(
                tinyBert(relative.substring(0, relative.indexOf('/'))).resolveSibling(relative));
    }

    static SequenceClassifierInputs inputs(NDManager m, JsonNode batch, String labelsKey) {
        return new SequenceClassifierInputs(
                Golden.longs(m, batch.get("input_ids")),
                null,
                Golden.longs(m, batch.get("attention_mask")),
                Golden.longs(m, batch.get("token_type_ids")),
                labelsKey == null ? null : Golden.longs(m, batch.get(labelsKey)));
    }

    static QuestionAnsweringInputs qaInputs(NDManager m, JsonNode batch) {
        return QuestionAnsweringInputs.of(
                        Golden.longs(m, batch.get("input_ids")),
                        Golden.longs(m, batch.get("attention_mask")),
                        Golden.longs(m, batch.get("start_positions")),
                        Golden.longs(m, batch.get("end_positions")))
                .withTokenTypeIds(Golden.longs(m, batch.get("token_type_ids")));
    }

    @Test
    @DisplayName("sequence classification: BertModel's states, the pooler, logits and loss match transformers")
    void sequenceClassification() {
        JsonNode g = golden("seqcls/golden.json");
        try (var model = BertForSequenceClassification.fromPretrained(tinyBert("seqcls"));
                NDManager m = NDManager.newBaseManager()) {
            for (String name : BATCHES) {
                JsonNode expected = g.get("cases").get(name);
                SequenceClassifierInputs in = inputs(m, g.get("inputs").get(name), "labels");
                ParameterStore ps = new ParameterStore(m, false);
                NDArray hidden = model.bert().forward(ps, in, false);
                Golden.assertClose(Golden.floats(m, expected.get("last_hidden_state")), hidden, 1e-4, name + " hidden");
                Golden.assertClose(
                        Golden.floats(m, expected.get("pooler_output")),
                        model.bert().pool(ps, hidden, false),
                        1e-4,
                        name + " pooled");
                SequenceClassifierOutput out = model.forward(in);
                Golden.assertClose(Golden.floats(m, expected.get("logits")), out.logits(), 1e-4, name + " logits");
                assertEquals(expected.get("loss").asDouble(), out.loss().getFloat(), 1e-5, name + " loss");
            }
        }
    }

    @Test
    @DisplayName("token classification: logits (B, T, L) and the loss over labelled tokens match transformers")
    void tokenClassification() {
        JsonNode g = golden("tokcls/golden.json");
        try (var model = AutoModelForTokenClassification.fromPretrained(tinyBert("tokcls"));
                NDManager m = NDManager.newBaseManager()) {
            assertInstanceOf(BertForTokenClassification.class, model);
            for (String name : BATCHES) {
                JsonNode expected = g.get("cases").get(name);
                TokenClassifierOutput out =
                        model.forward(inputs(m, g.get("inputs").get(name), "token_labels"));
                Golden.assertClose(Golden.floats(m, expected.get("logits")), out.logits(), 1e-4, name + " logits");
                assertEquals(expected.get("loss").asDouble(), out.loss().getFloat(), 1e-5, name + " loss");
            }
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> model.forward(m.create(new long[][] {{2, 5, 6}}), null, m.create(new long[][] {{1, 2}})));
            assertTrue(e.getMessage().contains("one label per position"), e.getMessage());
        }
    }

    @Test
    @DisplayName("question answering: start/end logits and the clamped span loss match transformers")
    void questionAnswering() {
        JsonNode g = golden("qa/golden.json");
        try (var model = AutoModelForQuestionAnswering.fromPretrained(tinyBert("qa"));
                NDManager m = NDManager.newBaseManager()) {
            assertInstanceOf(BertForQuestionAnswering.class, model);
            for (String name : BATCHES) {
                JsonNode expected = g.get("cases").get(name);
                QuestionAnsweringModelOutput out =
                        model.forward(qaInputs(m, g.get("inputs").get(name)));
                Golden.assertClose(
                        Golden.floats(m, expected.get("start_logits")), out.startLogits(), 1e-4, name + " start");
                Golden.assertClose(Golden.floats(m, expected.get("end_logits")), out.endLogits(), 1e-4, name + " end");
                // right_padded has an end position (20) past the input: clamped to T and ignored, as transformers does
                assertEquals(expected.get("loss").asDouble(), out.loss().getFloat(), 1e-5, name + " loss");
            }
        }
    }

    @Test
    @DisplayName("a checkpoint naming LayerNorm weights gamma/beta (old TF exports) loads as transformers loads it")
    void gammaBetaCheckpoint() throws Exception {
        Path dir = tinyBert("seqcls").resolveSibling("seqcls_gamma_beta");
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertTrue(f.names().contains("bert.embeddings.LayerNorm.gamma"), "the fixture uses the old names");
        }
        JsonNode g = golden("seqcls/golden.json");
        try (var model = AutoModelForSequenceClassification.fromPretrained(dir);
                NDManager m = NDManager.newBaseManager()) {
            assertInstanceOf(BertForSequenceClassification.class, model);
            SequenceClassifierOutput out =
                    model.forward(inputs(m, g.get("inputs").get("right_padded"), "labels"));
            Golden.assertClose(
                    Golden.floats(m, g.get("cases").get("right_padded").get("logits")), out.logits(), 1e-4, "logits");
        }
    }

    @Test
    @DisplayName(
            "save then reload: transformers' keys and the same logits; a bare-encoder checkpoint gets a fresh head")
    void saveAndReload(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[][] {{2, 10, 20, 3}});
            var qa = BertForQuestionAnswering.fromPretrained(tinyBert("qa"));
            float[] before = qa.forward(ids, null, null, null).startLogits().toFloatArray();
            qa.savePretrained(dir.resolve("qa"));
            try (SafetensorsFile original = SafetensorsFile.open(tinyBert("qa").resolve("model.safetensors"));
                    SafetensorsFile saved = SafetensorsFile.open(dir.resolve("qa/model.safetensors"))) {
                assertEquals(new TreeSet<>(original.names()), new TreeSet<>(saved.names()), "transformers' keys");
            }
            try (var again = BertForQuestionAnswering.fromPretrained(dir.resolve("qa"))) {
                assertArrayEquals(
                        before,
                        again.forward(ids, null, null, null).startLogits().toFloatArray(),
                        0f);
            }
            qa.close();
            // The token classifier's encoder under a QA head: the classifier is missing and starts fresh, the rest
            // loads.
            try (var ner = BertForTokenClassification.fromPretrained(dir.resolve("qa"))) {
                assertEquals(
                        new Shape(1, 4, 2),
                        ner.forward(ids, null, null).logits().getShape());
            }
        }
    }

    @Test
    @DisplayName("bert-base-uncased counted without weights; PEFT 0.10's lines for TOKEN_CLS, QUESTION_ANS, SEQ_CLS")
    void bertBaseCounts() {
        BertConfig c = BertConfig.named("bert-base-uncased");
        assertEquals(109_483_778L, ModuleTree.countParameters(new BertForSequenceClassification(c)));
        assertEquals(108_893_186L, ModuleTree.countParameters(new BertForTokenClassification(c)));
        JsonNode lines = Golden.read(tinyBert("qa").getParent().resolveSibling("param_lines_bert_bloom.json"))
                .get("lines");
        assertEquals(
                lines.get("bert-base-uncased lora TOKEN_CLS r 8 default targets")
                        .asText(),
                Peft.lora()
                        .r(8)
                        .task(TaskType.TOKEN_CLS)
                        .apply(new BertForTokenClassification(c))
                        .getNbTrainableParameters()
                        .toString());
        assertEquals(
                lines.get("bert-base-uncased lora QUESTION_ANS r 16 default targets")
                        .asText(),
                Peft.lora()
                        .r(16)
                        .task(TaskType.QUESTION_ANS)
                        .apply(new BertForQuestionAnswering(c))
                        .getNbTrainableParameters()
                        .toString());
        assertEquals(
                lines.get("bert-base-uncased lora SEQ_CLS r 8 default targets").asText(),
                Peft.lora()
                        .r(8)
                        .task(TaskType.SEQ_CLS)
                        .apply(new BertForSequenceClassification(c))
                        .getNbTrainableParameters()
                        .toString());
        assertEquals(
                lines.get("bert-base-uncased prefix_tuning TOKEN_CLS 20 tokens").asText(),
                Peft.prefixTuning()
                        .virtualTokens(20)
                        .task(TaskType.TOKEN_CLS)
                        .apply(new BertForTokenClassification(c))
                        .getNbTrainableParameters()
                        .toString());
    }

    @Test
    @DisplayName("config.json: BertConfig's defaults; every size and the activation are checked, naming the key")
    void config() {
        BertConfig d = BertConfig.builder().build();
        assertEquals(30522, d.vocabSize());
        assertEquals(768, d.hiddenSize());
        assertEquals(0, d.padTokenId());
        assertEquals(1e-12, d.layerNormEps());
        assertEquals(512, d.maxPositionEmbeddings());
        assertEquals(2, d.numLabels());
        ObjectNode json = PythonJson.MAPPER.createObjectNode();
        json.put("model_type", "bert").putNull("pad_token_id");
        assertEquals(null, new BertConfig(json).padTokenId());

        assertRefused(
                "num_attention_heads",
                BertConfig.builder().set("hidden_size", 30).set("num_attention_heads", 4));
        assertRefused("intermediate_size", BertConfig.builder().set("intermediate_size", 0));
        assertRefused("max_position_embeddings", BertConfig.builder().set("max_position_embeddings", 0));
        assertRefused("type_vocab_size", BertConfig.builder().set("type_vocab_size", 0));
        assertRefused("pad_token_id", BertConfig.builder().set("vocab_size", 10).set("pad_token_id", 10));
        assertRefused("hidden_act", BertConfig.builder().set("hidden_act", "quick_gelu"));
        assertRefused("position_embedding_type", BertConfig.builder().set("position_embedding_type", "relative_key"));
        assertRefused("hidden_dropout_prob", BertConfig.builder().set("hidden_dropout_prob", -0.1));
        assertRefused(
                "num_labels",
                BertConfig.builder().set("num_labels", 3).set("model_type", "bert"),
                c -> new BertForQuestionAnswering(c));
        assertRefused("model_type", BertConfig.builder().set("model_type", "roberta"));
    }

    @Test
    @DisplayName("more positions than max_position_embeddings is a clear error, not an index failure")
    void tooLong() {
        try (var model = BertForTokenClassification.fromPretrained(tinyBert("tokcls"));
                NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.ones(new Shape(1, 17), ai.djl.ndarray.types.DataType.INT64);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> model.forward(ids, null, null));
            assertTrue(e.getMessage().contains("max_position_embeddings is 16"), e.getMessage());
        }
    }

    private static void assertRefused(String key, PretrainedConfig.Builder<BertConfig> b) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    private static void assertRefused(
            String key, PretrainedConfig.Builder<BertConfig> b, java.util.function.Consumer<BertConfig> use) {
        BertConfig c = b.build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> use.accept(c));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
