package ai.peft4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.json.PythonJson;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.t5.MT5ForConditionalGeneration;
import ai.peft4j.models.t5.Seq2SeqLMOutput;
import ai.peft4j.models.t5.T5Config;
import ai.peft4j.models.t5.T5ForConditionalGeneration;
import ai.peft4j.testing.Golden;
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
 * {@code PeftModelForSeq2SeqLM} against PEFT 0.10: LoRA from {@code hf-reference/wave2/tiny_t5/lora} (transformers
 * 4.39) and prompt tuning from {@code reference/tiny_t5_prompt_tuning} ({@code scripts/t5_prompt_tuning_reference.py}).
 */
@DisplayName("PeftModelForSeq2SeqLM (SEQ_2_SEQ_LM)")
class PeftModelForSeq2SeqLMTest {

    static Path tinyT5() {
        return Golden.hfReference().resolve("wave2/tiny_t5");
    }

    static Path promptTuning() {
        try {
            return Path.of(PeftModelForSeq2SeqLMTest.class
                            .getResource("/reference/tiny_t5_prompt_tuning/golden.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
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

    static Map<String, List<Long>> keysAndShapes(JsonNode keys) {
        Map<String, List<Long>> out = new TreeMap<>();
        keys.fields().forEachRemaining(e -> {
            List<Long> shape = new java.util.ArrayList<>();
            e.getValue().forEach(n -> shape.add(n.asLong()));
            out.put(e.getKey(), shape);
        });
        return out;
    }

    @Test
    @DisplayName("PEFT's LoRA adapter (q, v in self- and cross-attention): PEFT's logits, loss and greedy tokens")
    void loraFromPeft() {
        JsonNode g = Golden.read(tinyT5().resolve("lora/golden.json"));
        JsonNode in = g.get("inputs");
        try (NDManager m = NDManager.newBaseManager();
                PeftModelForSeq2SeqLM peft = AutoPeftModelForSeq2SeqLM.fromPretrained(tinyT5().resolve("lora"))) {
            assertInstanceOf(T5ForConditionalGeneration.class, peft.getBaseModel());
            NDArray ids = Golden.longs(m, in.get("input_ids"));
            NDArray mask = Golden.longs(m, in.get("attention_mask"));
            Seq2SeqLMOutput out = peft.forward(ids, mask, Golden.longs(m, in.get("labels")));
            Golden.assertClose(Golden.floats(m, g.get("peft_logits")), out.logits(), 1e-4, "LoRA logits");
            assertEquals(g.get("peft_loss").asDouble(), out.loss().getFloat(), 1e-5);
            NDArray tokens = peft.generate(ids, mask, GenerationConfig.greedy(8).withEosTokenId(null));
            assertArrayEquals(Golden.longs(m, g.get("peft_generate_no_eos")).toLongArray(), tokens.toLongArray());
            try (var off = peft.disableAdapter()) {
                Golden.assertClose(
                        Golden.floats(m, g.get("disable_adapter_logits")),
                        peft.forward(ids, mask, Golden.longs(m, in.get("labels")))
                                .logits(),
                        1e-4,
                        "adapter disabled");
            }
        }
    }

    @Test
    @DisplayName("our LoRA with T5's default targets q, v prints PEFT's line and saves PEFT's 24 keys")
    void loraDefaultTargets(@TempDir Path out) throws Exception {
        JsonNode g = Golden.read(tinyT5().resolve("lora/golden.json"));
        try (PeftModel peft = Peft.lora()
                .r(4)
                .alpha(8)
                .task(TaskType.SEQ_2_SEQ_LM)
                .apply(T5ForConditionalGeneration.fromPretrained(tinyT5()))) {
            assertInstanceOf(PeftModelForSeq2SeqLM.class, peft);
            assertEquals(
                    g.get("print_trainable_parameters").asText(),
                    peft.getNbTrainableParameters().toString());
            peft.savePretrained(out);
            assertEquals(
                    keysAndShapes(tinyT5().resolve("lora/adapter_model.safetensors")),
                    keysAndShapes(out.resolve("adapter_model.safetensors")));
            JsonNode config = PythonJson.readObject(out.resolve("adapter_config.json"));
            assertEquals("SEQ_2_SEQ_LM", config.get("task_type").asText());
        }
    }

    @Test
    @DisplayName("mt0-large LoRA (r 8, alpha 32, dropout 0.1) prints PEFT's published counts, without weights")
    void mt0LargeCounts() {
        JsonNode g = Golden.read(Golden.hfReference().resolve("wave2/param_counts_mt0_large.json"));
        var mt0 = new MT5ForConditionalGeneration(T5Config.named("bigscience/mt0-large"));
        try (PeftModel peft = Peft.lora()
                .r(8)
                .alpha(32)
                .dropout(0.1)
                .task(TaskType.SEQ_2_SEQ_LM)
                .apply(mt0)) {
            assertEquals(
                    "trainable params: 2,359,296 || all params: 1,231,940,608 || trainable%: 0.19151053100118282",
                    peft.getNbTrainableParameters().toString());
            assertTrue(g.toString().contains("0.19151053100118282"));
        }
    }

    @Test
    @DisplayName(
            "prompt tuning: virtual tokens before the encoder inputs only (PEFT 0.10), its logits, loss and tokens")
    void promptTuningAsPeft() {
        JsonNode g = Golden.read(promptTuning().resolve("golden.json"));
        JsonNode in = g.get("inputs");
        try (NDManager m = NDManager.newBaseManager();
                PeftModel loaded =
                        PeftModel.fromPretrained(T5ForConditionalGeneration.fromPretrained(tinyT5()), promptTuning())) {
            PeftModelForSeq2SeqLM peft = (PeftModelForSeq2SeqLM) loaded;
            NDArray ids = Golden.longs(m, in.get("input_ids"));
            NDArray mask = Golden.longs(m, in.get("attention_mask"));
            Seq2SeqLMOutput out = peft.forward(ids, mask, Golden.longs(m, in.get("labels")));
            assertEquals(new Shape(2, 6, 64), out.logits().getShape()); // the decoder has no virtual tokens
            Golden.assertClose(Golden.floats(m, g.get("peft_logits")), out.logits(), 1e-4, "prompt tuning logits");
            assertEquals(g.get("peft_loss").asDouble(), out.loss().getFloat(), 1e-5);
            NDArray tokens = peft.generate(ids, mask, GenerationConfig.greedy(8).withEosTokenId(null));
            assertArrayEquals(
                    Golden.longs(m, g.get("peft_generate_no_eos")).toLongArray(),
                    tokens.toLongArray(),
                    "generate: virtual tokens before the encoder inputs only");
        }
    }

    @Test
    @DisplayName("a new prompt-tuning adapter fills num_transformer_submodules = 2 and saves PEFT's 2P rows")
    void promptTuningShape(@TempDir Path out) throws Exception {
        JsonNode g = Golden.read(promptTuning().resolve("golden.json"));
        try (PeftModel peft = Peft.promptTuning()
                .virtualTokens(3)
                .task(TaskType.SEQ_2_SEQ_LM)
                .apply(T5ForConditionalGeneration.fromPretrained(tinyT5()))) {
            assertEquals(
                    g.get("print_trainable_parameters").asText(),
                    peft.getNbTrainableParameters().toString());
            peft.savePretrained(out);
            assertEquals(
                    keysAndShapes(g.get("adapter_file_keys")), keysAndShapes(out.resolve("adapter_model.safetensors")));
            assertEquals(
                    2,
                    PythonJson.readObject(out.resolve("adapter_config.json"))
                            .get("num_transformer_submodules")
                            .asInt());
        }
    }

    @Test
    @DisplayName("prefix tuning on T5 is refused by name; SEQ_2_SEQ_LM on a causal LM names the model it needs")
    void refusals() {
        var t5 = new T5ForConditionalGeneration(T5Config.builder()
                .set("d_model", 16)
                .set("d_kv", 8)
                .set("num_heads", 2)
                .set("d_ff", 32)
                .set("vocab_size", 64)
                .set("num_layers", 1)
                .build());
        var e = assertThrows(IllegalArgumentException.class, () -> Peft.prefixTuning()
                .virtualTokens(2)
                .task(TaskType.SEQ_2_SEQ_LM)
                .apply(t5));
        assertTrue(e.getMessage().contains("PREFIX_TUNING"), e.getMessage());
        var lm = ai.peft4j.models.opt.OptForCausalLM.fromPretrained(Golden.tinyOpt());
        var wrong = assertThrows(
                IllegalArgumentException.class,
                () -> Peft.lora().task(TaskType.SEQ_2_SEQ_LM).apply(lm));
        assertTrue(wrong.getMessage().contains("T5ForConditionalGeneration"), wrong.getMessage());
        lm.close();
        // an adapter of another task is refused before the model is touched
        var causal = assertThrows(
                IllegalArgumentException.class,
                () -> PeftModelForSeq2SeqLM.fromPretrained(t5, Golden.tinyOpt().resolve("lora")));
        assertTrue(causal.getMessage().contains("CAUSAL_LM"), causal.getMessage());
        assertTrue(
                ai.peft4j.nn.ModuleTree.namedParameters(t5).keySet().stream().noneMatch(k -> k.contains("lora_")),
                "no LoRA layer was injected");
    }

    @Test
    @DisplayName("training: the trainer's steps on one batch lower the loss through LoRA alone")
    void trains() {
        JsonNode in = Golden.read(tinyT5().resolve("golden_base.json")).get("inputs");
        List<int[]> rows = new java.util.ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int[] row = new int[8 + 4];
            for (int i = 0; i < 8; i++) {
                row[i] = in.get("input_ids").get(r).get(i).asInt();
            }
            for (int i = 0; i < 4; i++) {
                row[8 + i] = in.get("labels").get(r).get(i).asInt();
            }
            rows.add(row);
        }
        try (NDManager m = NDManager.newBaseManager();
                PeftModel loaded = Peft.lora()
                        .r(4)
                        .alpha(8)
                        .task(TaskType.SEQ_2_SEQ_LM)
                        .apply(T5ForConditionalGeneration.fromPretrained(tinyT5()))) {
            PeftModelForSeq2SeqLM peft = (PeftModelForSeq2SeqLM) loaded;
            NDArray ids = m.create(new long[][] {
                java.util.Arrays.stream(rows.get(0)).asLongStream().toArray(),
                java.util.Arrays.stream(rows.get(1)).asLongStream().toArray()
            });
            float before = peft.forward(ids.get(":, :8"), null, ids.get(":, 8:"))
                    .loss()
                    .getFloat();
            var data = ai.peft4j.train.TextDataset.ofTokenIds(rows, 0);
            try (var trainer = ai.peft4j.train.PeftTrainer.builder(peft)
                    .trainData(data)
                    .batchSize(2)
                    .maxSteps(30)
                    .learningRate(1e-2)
                    .progressBar(false)
                    .seed(1)
                    .lossFunction((ps, batch, training) -> peft.forward(
                                    ps,
                                    batch.inputIds().get(":, :8"),
                                    null,
                                    null,
                                    batch.inputIds().get(":, 8:"),
                                    training)
                            .loss())
                    .build()) {
                trainer.train();
            }
            float after = peft.forward(ids.get(":, :8"), null, ids.get(":, 8:"))
                    .loss()
                    .getFloat();
            assertTrue(after < before - 0.5, "loss " + before + " -> " + after);
        }
    }
}
