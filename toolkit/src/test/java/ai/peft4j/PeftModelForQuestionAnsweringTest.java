package ai.peft4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.json.PythonJson;
import ai.peft4j.models.QuestionAnsweringInputs;
import ai.peft4j.models.QuestionAnsweringModelOutput;
import ai.peft4j.models.bert.BertConfig;
import ai.peft4j.models.bert.BertForQuestionAnswering;
import ai.peft4j.models.bert.BertForSequenceClassification;
import ai.peft4j.testing.Golden;
import ai.peft4j.tuners.ModulesToSaveWrapper;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEFT's {@code QUESTION_ANS} task on the tiny BERT of {@code reference/tiny_bert/qa}, against adapters PEFT 0.10
 * saved and the outputs it computed ({@code scripts/bert_bloom_reference.py}). The batches carry token type ids,
 * which PEFT 0.10's {@code PeftModelForQuestionAnswering} does not pass to the model.
 */
@DisplayName("PeftModelForQuestionAnswering (QUESTION_ANS)")
class PeftModelForQuestionAnsweringTest {

    static Path dir(String relative) {
        try {
            return Path.of(PeftModelForQuestionAnsweringTest.class
                            .getResource("/reference/tiny_bert/qa/config.json")
                            .toURI())
                    .getParent()
                    .resolve(relative);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static QuestionAnsweringInputs inputs(NDManager m, JsonNode batch) {
        return QuestionAnsweringInputs.of(
                        Golden.longs(m, batch.get("input_ids")),
                        Golden.longs(m, batch.get("attention_mask")),
                        Golden.longs(m, batch.get("start_positions")),
                        Golden.longs(m, batch.get("end_positions")))
                .withTokenTypeIds(Golden.longs(m, batch.get("token_type_ids")));
    }

    @Test
    @DisplayName("PEFT's LoRA adapter gives PEFT's logits and loss, token type ids dropped as PEFT drops them")
    void loraFromPeft() {
        JsonNode g = Golden.read(dir("lora/golden.json"));
        JsonNode batches = Golden.read(dir("golden.json")).get("inputs");
        try (NDManager m = NDManager.newBaseManager();
                PeftModelForQuestionAnswering peft = AutoPeftModelForQuestionAnswering.fromPretrained(dir("lora"))) {
            assertInstanceOf(
                    ModulesToSaveWrapper.class, ai.peft4j.nn.ModuleTree.get(peft.getBaseModel(), "qa_outputs"));
            for (String name : List.of("right_padded", "left_padded")) {
                JsonNode expected = g.get("cases").get(name);
                QuestionAnsweringModelOutput out = peft.forward(inputs(m, batches.get(name)));
                Golden.assertClose(
                        Golden.floats(m, expected.get("start_logits")), out.startLogits(), 1e-4, name + " start");
                Golden.assertClose(Golden.floats(m, expected.get("end_logits")), out.endLogits(), 1e-4, name + " end");
                assertEquals(expected.get("loss").asDouble(), out.loss().getFloat(), 1e-5, name + " loss");
                // the same adapted model given the token types computes something else: the drop is what PEFT does
                float[] withTypes = Golden.floats(m, expected.get("start_logits_with_token_types"))
                        .toFloatArray();
                float[] ours = out.startLogits().toFloatArray();
                double maxDiff = 0;
                for (int i = 0; i < ours.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(ours[i] - withTypes[i]));
                }
                assertTrue(maxDiff > 1e-2, name + ": token types matter in this fixture");
            }
        }
    }

    @Test
    @DisplayName("our LoRA with default targets saves PEFT's keys (qa_outputs copy included) and parameter line")
    void loraSavesPeftKeys(@TempDir Path out) throws Exception {
        JsonNode g = Golden.read(dir("lora/golden.json"));
        try (PeftModel peft = Peft.lora()
                .r(4)
                .alpha(8)
                .task(TaskType.QUESTION_ANS)
                .apply(BertForQuestionAnswering.fromPretrained(dir("")))) {
            assertInstanceOf(PeftModelForQuestionAnswering.class, peft);
            assertEquals(
                    g.get("print_trainable_parameters").asText(),
                    peft.getNbTrainableParameters().toString());
            peft.savePretrained(out);
            assertEquals(
                    PeftModelForTokenClassificationTest.keysAndShapes(dir("lora/adapter_model.safetensors")),
                    PeftModelForTokenClassificationTest.keysAndShapes(out.resolve("adapter_model.safetensors")));
            JsonNode config = PythonJson.readObject(out.resolve("adapter_config.json"));
            assertEquals(
                    g.get("target_modules").toString(),
                    config.get("target_modules").toString());
        }
    }

    @Test
    @DisplayName("p-tuning prepends the virtual tokens: PEFT's (B, P + T) span logits and loss")
    void pTuning() {
        JsonNode g = Golden.read(dir("p_tuning/golden.json"));
        JsonNode batches = Golden.read(dir("golden.json")).get("inputs");
        try (NDManager m = NDManager.newBaseManager();
                PeftModelForQuestionAnswering peft =
                        AutoPeftModelForQuestionAnswering.fromPretrained(dir("p_tuning"))) {
            for (String name : List.of("right_padded", "left_padded")) {
                JsonNode expected = g.get("cases").get(name);
                QuestionAnsweringModelOutput out = peft.forward(inputs(m, batches.get(name)));
                assertEquals(new Shape(2, 3 + 8), out.startLogits().getShape());
                Golden.assertClose(
                        Golden.floats(m, expected.get("start_logits")), out.startLogits(), 1e-4, name + " start");
                Golden.assertClose(Golden.floats(m, expected.get("end_logits")), out.endLogits(), 1e-4, name + " end");
                assertEquals(expected.get("loss").asDouble(), out.loss().getFloat(), 1e-5, name + " loss");
            }
        }
    }

    @Test
    @DisplayName("an adapter of another task is refused by the Auto class, naming both tasks")
    void wrongTask(@TempDir Path out) throws Exception {
        try (PeftModel peft = Peft.lora()
                .r(2)
                .task(TaskType.SEQ_CLS)
                .apply(BertForSequenceClassification.fromConfig(
                        BertConfig.builder()
                                .set("vocab_size", 16)
                                .set("hidden_size", 8)
                                .set("num_attention_heads", 2)
                                .set("num_hidden_layers", 1)
                                .set("intermediate_size", 8)
                                .build(),
                        1))) {
            peft.savePretrained(out);
        }
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> AutoPeftModelForQuestionAnswering.fromPretrained(out));
        assertTrue(e.getMessage().contains("SEQ_CLS") && e.getMessage().contains("QUESTION_ANS"), e.getMessage());
    }
}
