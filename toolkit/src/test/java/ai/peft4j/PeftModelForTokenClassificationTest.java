package ai.peft4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.json.PythonJson;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.TokenClassifierOutput;
import ai.peft4j.models.bert.BertForTokenClassification;
import ai.peft4j.models.bloom.BloomConfig;
import ai.peft4j.models.bloom.BloomForCausalLM;
import ai.peft4j.testing.Golden;
import ai.peft4j.tuners.ModulesToSaveWrapper;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEFT's {@code TOKEN_CLS} task on the tiny BERT of {@code reference/tiny_bert/tokcls}, against adapters PEFT 0.10
 * saved and the outputs it computed ({@code scripts/bert_bloom_reference.py}).
 */
@DisplayName("PeftModelForTokenClassification (TOKEN_CLS)")
class PeftModelForTokenClassificationTest {

    static Path dir(String relative) {
        try {
            return Path.of(PeftModelForTokenClassificationTest.class
                            .getResource("/reference/tiny_bert/tokcls/config.json")
                            .toURI())
                    .getParent()
                    .resolve(relative);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static SequenceClassifierInputs inputs(NDManager m, JsonNode batch, NDArray labels) {
        return new SequenceClassifierInputs(
                Golden.longs(m, batch.get("input_ids")),
                null,
                Golden.longs(m, batch.get("attention_mask")),
                Golden.longs(m, batch.get("token_type_ids")),
                labels);
    }

    static Map<String, List<Long>> keysAndShapes(Path file) throws Exception {
        Map<String, List<Long>> out = new TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.names()) {
                out.put(
                        name,
                        java.util.Arrays.stream(f.info(name).shape()).boxed().toList());
            }
        }
        return out;
    }

    @Test
    @DisplayName("PEFT's LoRA adapter (default targets query, value; classifier copy) gives PEFT's logits and loss")
    void loraFromPeft() {
        JsonNode g = Golden.read(dir("lora/golden.json"));
        JsonNode batches = Golden.read(dir("golden.json")).get("inputs");
        try (NDManager m = NDManager.newBaseManager();
                PeftModelForTokenClassification peft =
                        AutoPeftModelForTokenClassification.fromPretrained(dir("lora"))) {
            assertInstanceOf(BertForTokenClassification.class, peft.getBaseModel());
            assertInstanceOf(
                    ModulesToSaveWrapper.class, ai.peft4j.nn.ModuleTree.get(peft.getBaseModel(), "classifier"));
            for (String name : List.of("right_padded", "left_padded")) {
                JsonNode batch = batches.get(name);
                TokenClassifierOutput out = peft.forward(inputs(m, batch, Golden.longs(m, batch.get("token_labels"))));
                JsonNode expected = g.get("cases").get(name);
                Golden.assertClose(Golden.floats(m, expected.get("logits")), out.logits(), 1e-4, name + " logits");
                assertEquals(expected.get("loss").asDouble(), out.loss().getFloat(), 1e-5, name + " loss");
            }
        }
    }

    @Test
    @DisplayName("our LoRA with default targets saves PEFT's keys, target_modules and parameter line")
    void loraSavesPeftKeys(@TempDir Path out) throws Exception {
        JsonNode g = Golden.read(dir("lora/golden.json"));
        try (PeftModel peft = Peft.lora()
                .r(4)
                .alpha(8)
                .task(TaskType.TOKEN_CLS)
                .apply(BertForTokenClassification.fromPretrained(dir("")))) {
            assertInstanceOf(PeftModelForTokenClassification.class, peft);
            assertEquals(
                    g.get("print_trainable_parameters").asText(),
                    peft.getNbTrainableParameters().toString());
            peft.savePretrained(out);
            assertEquals(
                    keysAndShapes(dir("lora/adapter_model.safetensors")),
                    keysAndShapes(out.resolve("adapter_model.safetensors")));
            JsonNode config = PythonJson.readObject(out.resolve("adapter_config.json"));
            assertEquals(
                    g.get("target_modules").toString(),
                    config.get("target_modules").toString());
            assertEquals("TOKEN_CLS", config.get("task_type").asText());
        }
    }

    @Test
    @DisplayName("prompt tuning prepends the virtual tokens: PEFT's (B, P + T, L) logits; labels must cover P + T")
    void promptTuning() {
        JsonNode g = Golden.read(dir("prompt_tuning/golden.json"));
        JsonNode batches = Golden.read(dir("golden.json")).get("inputs");
        try (NDManager m = NDManager.newBaseManager();
                PeftModelForTokenClassification peft =
                        AutoPeftModelForTokenClassification.fromPretrained(dir("prompt_tuning"))) {
            for (String name : List.of("right_padded", "left_padded")) {
                JsonNode expected = g.get("cases").get(name);
                TokenClassifierOutput out =
                        peft.forward(inputs(m, batches.get(name), Golden.longs(m, expected.get("labels"))));
                assertEquals(new Shape(2, 3 + 8, 3), out.logits().getShape());
                Golden.assertClose(Golden.floats(m, expected.get("logits")), out.logits(), 1e-4, name + " logits");
                assertEquals(expected.get("loss").asDouble(), out.loss().getFloat(), 1e-5, name + " loss");
            }
            JsonNode batch = batches.get("right_padded");
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> peft.forward(inputs(m, batch, Golden.longs(m, batch.get("token_labels")))));
            assertTrue(e.getMessage().contains("prepend 3 columns of -100"), e.getMessage());
        }
    }

    @Test
    @DisplayName("prefix tuning keeps (B, T, L): the prefix enters every layer as past keys and values")
    void prefixTuning() {
        try (NDManager m = NDManager.newBaseManager();
                BertForTokenClassification bert = BertForTokenClassification.fromPretrained(dir(""))) {
            NDArray ids = m.create(new long[][] {{2, 10, 20, 3}, {2, 7, 3, 0}});
            NDArray mask = m.create(new long[][] {{1, 1, 1, 1}, {1, 1, 1, 0}});
            float[] base = bert.forward(ids, mask, null).logits().toFloatArray();
            var peft = (PeftModelForTokenClassification) Peft.prefixTuning()
                    .virtualTokens(5)
                    .task(TaskType.TOKEN_CLS)
                    .apply(bert);
            TokenClassifierOutput out =
                    peft.forward(ids, mask, m.create(new long[][] {{-100, 1, 2, -100}, {0, 1, 2, -100}}));
            assertEquals(new Shape(2, 4, 3), out.logits().getShape());
            assertTrue(Float.isFinite(out.loss().getFloat()));
            assertNotEquals(base[0], out.logits().toFloatArray()[0], "the prefix changes the outputs");
        }
    }

    @Test
    @DisplayName("a target that names the head leaves it to its trainable copy, as for SEQ_CLS")
    void headIsSavedWholeNotAdapted() {
        try (PeftModel peft = Peft.lora()
                .r(2)
                .targets("query", "classifier")
                .task(TaskType.TOKEN_CLS)
                .apply(BertForTokenClassification.fromPretrained(dir("")))) {
            var head = ai.peft4j.nn.ModuleTree.get(peft.getBaseModel(), "classifier");
            assertInstanceOf(ModulesToSaveWrapper.class, head);
            assertTrue(
                    ai.peft4j.nn.ModuleTree.namedModules(head).values().stream()
                            .noneMatch(b -> b instanceof ai.peft4j.tuners.TunerLayer),
                    "no LoRA inside the head");
            assertEquals(
                    4,
                    peft.trainableParameters().keySet().stream()
                            .filter(k -> k.contains("lora_"))
                            .count(),
                    "A and B of query in 2 layers");
        }
    }

    @Test
    @DisplayName("TOKEN_CLS needs a token classifier; the error names the task and the model")
    void wrongModel() {
        var lm = new BloomForCausalLM(BloomConfig.builder()
                .set("vocab_size", 16)
                .set("hidden_size", 8)
                .set("n_head", 2)
                .build());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Peft.lora().task(TaskType.TOKEN_CLS).apply(lm));
        assertTrue(e.getMessage().contains("TOKEN_CLS") && e.getMessage().contains("BloomForCausalLM"), e.getMessage());
    }
}
