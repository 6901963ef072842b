package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import ai.peft4j.train.AdamW;
import ai.peft4j.tuners.Initialization;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA on {@code embed_tokens}, {@code bias="all" | "lora_only"} and {@code save_embedding_layers}, against
 * {@code reference/tiny_opt_lora_extras}, written by PEFT 0.10 through {@code scripts/lora_embedding_bias_reference.py}.
 */
@DisplayName("LoRA on embeddings and the bias options, as PEFT 0.10 saves them")
class LoraEmbeddingAndBiasFixtureTest {

    NDManager step;
    PreTrainedCausalLM base;

    static Path extras(String folder) {
        try {
            return Path.of(LoraEmbeddingAndBiasFixtureTest.class
                            .getResource("/reference/tiny_opt_lora_extras/" + folder + "/golden.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void load() {
        base = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        step = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        step.close();
        base.close();
    }

    NDArray logits(PreTrainedCausalLM lm, JsonNode golden) {
        JsonNode in = golden.get("inputs");
        return lm.forward(Golden.longs(step, in.get("input_ids")), Golden.longs(step, in.get("attention_mask")), null)
                .logits();
    }

    static Map<String, List<Long>> fileKeys(Path file) throws Exception {
        Map<String, List<Long>> out = new TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.names()) {
                List<Long> shape = new ArrayList<>();
                for (long d : f.info(name).shape()) {
                    shape.add(d);
                }
                out.put(name, shape);
            }
        }
        return out;
    }

    static Map<String, List<Long>> expectedKeys(JsonNode golden) {
        Map<String, List<Long>> out = new TreeMap<>();
        golden.get("adapter_file_keys").fields().forEachRemaining(e -> {
            List<Long> shape = new ArrayList<>();
            e.getValue().forEach(d -> shape.add(d.asLong()));
            out.put(e.getKey(), shape);
        });
        return out;
    }

    static void assertSameTensors(Path theirs, Path ours) throws Exception {
        try (SafetensorsFile t = SafetensorsFile.open(theirs);
                SafetensorsFile o = SafetensorsFile.open(ours)) {
            assertEquals(new TreeSet<>(t.names()), new TreeSet<>(o.names()));
            for (String name : t.names()) {
                assertArrayEquals(t.floats(name), o.floats(name), name);
            }
        }
    }

    @Test
    @DisplayName("embed_tokens + q_proj: PEFT's logits (adapter, disabled, reloaded, merged) and merged table")
    void embeddingLogitsAndMerge(@TempDir Path dir) {
        Path folder = extras("embedding");
        JsonNode golden = Golden.read(folder.resolve("golden.json"));
        PeftModel peft = PeftModel.fromPretrained(base, folder);
        LoraEmbedding emb = (LoraEmbedding) ModuleTree.get(peft.getBaseModel(), "model.decoder.embed_tokens");
        assertEquals(golden.get("scaling").asDouble(), emb.scaling("default"));
        Golden.assertClose(
                Golden.floats(step, golden.get("delta_weight_embed_tokens")),
                emb.deltaWeight("default", step),
                1e-5,
                "delta (B@A)^T * scaling");
        Golden.assertClose(Golden.floats(step, golden.get("peft_logits")), logits(base, golden), 1e-4, "peft");
        try (var off = peft.disableAdapter()) {
            Golden.assertClose(
                    Golden.floats(step, golden.get("disable_adapter_logits")), logits(base, golden), 1e-4, "off");
        }
        peft.savePretrained(dir);
        PreTrainedCausalLM fresh = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        PeftModel.fromPretrained(fresh, dir);
        Golden.assertClose(
                Golden.floats(step, golden.get("reloaded_from_disk_logits")), logits(fresh, golden), 1e-4, "reloaded");
        fresh.close();

        Block merged = peft.mergeAndUnload();
        Golden.assertClose(
                Golden.floats(step, golden.get("merge_and_unload_logits")), logits(base, golden), 1e-4, "merged");
        Embedding table = (Embedding) ModuleTree.get(merged, "model.decoder.embed_tokens");
        Golden.assertClose(
                Golden.floats(step, golden.get("merged_embed_tokens_weight")),
                table.weight().getArray(),
                1e-5,
                "merged embed_tokens");
    }

    @Test
    @DisplayName("embed_tokens: PEFT's file (lora_embedding_A/B and, by save_embedding_layers=auto, the base table)")
    void embeddingSavedKeys(@TempDir Path dir) throws Exception {
        Path folder = extras("embedding");
        JsonNode golden = Golden.read(folder.resolve("golden.json"));
        PeftModel peft = PeftModel.fromPretrained(base, folder, true);
        assertEquals(
                golden.get("print_trainable_parameters").asText(),
                peft.getNbTrainableParameters().toString());
        peft.savePretrained(dir);
        assertEquals(expectedKeys(golden), fileKeys(dir.resolve("adapter_model.safetensors")));
        assertSameTensors(folder.resolve("adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
        ObjectNode theirs = (ObjectNode) Golden.read(folder.resolve("adapter_config.json"));
        ObjectNode ours = (ObjectNode) Golden.read(dir.resolve("adapter_config.json"));
        theirs.remove("target_modules");
        ours.remove("target_modules");
        assertEquals(theirs, ours);

        Path without = dir.resolve("without");
        peft.savePretrained(without, LoraModel.SaveEmbeddingLayers.FALSE);
        assertEquals(
                LoraModel.SaveEmbeddingLayers.AUTO,
                ((LoraModel) peft.baseModel()).saveEmbeddingLayers(),
                "the option holds for that save only");
        Map<String, List<Long>> expected = expectedKeys(golden);
        expected.remove("base_model.model.model.decoder.embed_tokens.base_layer.weight");
        assertEquals(expected, fileKeys(without.resolve("adapter_model.safetensors")));
        PreTrainedCausalLM fresh = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        PeftModel.fromPretrained(fresh, without);
        Golden.assertClose(
                Golden.floats(step, golden.get("peft_logits")),
                logits(fresh, golden),
                1e-4,
                "a file without the table loads too");
        fresh.close();
    }

    @Test
    @DisplayName("save_embedding_layers=TRUE without a targeted embedding saves the whole tables, as PEFT")
    void saveEmbeddingLayersTrue(@TempDir Path dir) throws Exception {
        Path folder = extras("bias_lora_only");
        PeftModel peft = PeftModel.fromPretrained(base, folder);
        peft.savePretrained(dir, LoraModel.SaveEmbeddingLayers.TRUE);
        JsonNode golden = Golden.read(folder.resolve("golden.json"));
        Map<String, List<Long>> expected = new TreeMap<>();
        golden.get("adapter_file_keys_save_embedding_layers_true").fields().forEachRemaining(e -> {
            List<Long> shape = new ArrayList<>();
            e.getValue().forEach(d -> shape.add(d.asLong()));
            expected.put(e.getKey(), shape);
        });
        assertTrue(expected.containsKey("base_model.model.lm_head.weight"), "tied lm_head saved under its own key too");
        assertEquals(expected, fileKeys(dir.resolve("adapter_model.safetensors")));
    }

    @Test
    @DisplayName("embed_tokens: one AdamW step (padding row of Aᵀ gets no gradient) matches PEFT within 1e-5")
    void embeddingTrainingStep() {
        Path folder = extras("embedding");
        JsonNode golden = Golden.read(folder.resolve("golden.json"));
        JsonNode in = golden.get("inputs");
        try (PeftModel peft = PeftModel.fromPretrained(base, folder, true);
                NDManager root = NDManager.newBaseManager()) {
            Map<String, Parameter> params = peft.trainableParameters();
            List<String> names = new ArrayList<>();
            golden.get("trainable_parameters").forEach(e -> names.add(e.get(0).asText()));
            assertEquals(new TreeSet<>(names), new TreeSet<>(params.keySet()));
            try (NDManager s = root.newSubManager();
                    AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.0, params.keySet(), root)) {
                double loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    LmInputs inputs = LmInputs.of(
                            Golden.longs(s, in.get("input_ids")),
                            Golden.longs(s, in.get("attention_mask")),
                            Golden.longs(s, in.get("labels")));
                    NDArray l = base.forward(new ParameterStore(s, false), inputs, true)
                            .loss();
                    gc.backward(l);
                    loss = l.getFloat();
                }
                assertEquals(golden.get("train_loss").asDouble(), loss, 1e-5, "loss");
                Map<String, NDArray> grads = new LinkedHashMap<>();
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    g.attach(s);
                    grads.put(e.getKey(), g);
                    Golden.assertClose(
                            Golden.floats(s, golden.get("grads").get(e.getKey())), g, 1e-5, "grad " + e.getKey());
                }
                adamw.step(params, grads, 1e-3, s);
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    Golden.assertClose(
                            Golden.floats(
                                    s, golden.get("params_after_adamw_step").get(e.getKey())),
                            e.getValue().getArray(),
                            1e-5,
                            "updated " + e.getKey());
                }
            }
        }
    }

    @Test
    @DisplayName("a new embedding adapter starts as PEFT's: A zeros, B standard normal, output unchanged")
    void embeddingInit() {
        JsonNode golden = Golden.read(extras("embedding_init").resolve("golden.json"));
        assertTrue(golden.get("lora_embedding_A_all_zero").asBoolean());
        NDArray before = logits(base, Golden.read(extras("embedding").resolve("golden.json")))
                .duplicate();
        Initialization.manualSeed(31);
        PeftModel peft = PeftModel.getPeftModel(
                base,
                LoraConfig.builder()
                        .r(4)
                        .loraAlpha(8)
                        .targetModules("embed_tokens", "q_proj")
                        .taskType(TaskType.CAUSAL_LM)
                        .build());
        LoraEmbedding emb = (LoraEmbedding) ModuleTree.get(peft.getBaseModel(), "model.decoder.embed_tokens");
        assertEquals(0f, emb.loraEmbeddingA("default").getArray().abs().max().getFloat());
        NDArray b = emb.loraEmbeddingB("default").getArray();
        assertTrue(b.abs().min().getFloat() > 0, "B is drawn, not zero");
        float std = b.sub(b.mean()).square().mean().sqrt().getFloat();
        assertTrue(std > 0.5 && std < 1.6, "B ~ N(0, 1), std " + std);
        Golden.assertClose(
                before, logits(base, Golden.read(extras("embedding").resolve("golden.json"))), 0, "identity");
    }

    @Test
    @DisplayName("DoRA on an embedding is refused, as in PEFT 0.10")
    void doraOnEmbeddingRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> PeftModel.getPeftModel(
                        base,
                        LoraConfig.builder()
                                .targetModules("embed_tokens")
                                .useDora(true)
                                .build()));
        assertTrue(e.getMessage().contains("Embedding does not support DoRA yet"), e.getMessage());
    }

    @Test
    @DisplayName("bias=\"all\": every bias saved (LoRA layers' as …base_layer.bias), PEFT's tensors and printed line")
    void biasAll(@TempDir Path dir) throws Exception {
        checkBias("bias_all", dir);
    }

    @Test
    @DisplayName("bias=\"lora_only\": the LoRA layers' biases train, but PEFT 0.10 saves none of them")
    void biasLoraOnly(@TempDir Path dir) throws Exception {
        checkBias("bias_lora_only", dir);
    }

    private void checkBias(String name, Path dir) throws Exception {
        Path folder = extras(name);
        JsonNode golden = Golden.read(folder.resolve("golden.json"));
        PeftModel peft = PeftModel.fromPretrained(base, folder, true);
        assertEquals(
                golden.get("print_trainable_parameters").asText(),
                peft.getNbTrainableParameters().toString());
        List<String> trainable = new ArrayList<>();
        golden.get("trainable_parameters").forEach(e -> trainable.add(e.get(0).asText()));
        assertEquals(
                new TreeSet<>(trainable),
                new TreeSet<>(peft.trainableParameters().keySet()));
        Golden.assertClose(
                Golden.floats(step, golden.get("reloaded_from_disk_logits")), logits(base, golden), 1e-4, "reloaded");
        peft.savePretrained(dir);
        assertEquals(expectedKeys(golden), fileKeys(dir.resolve("adapter_model.safetensors")));
        assertSameTensors(folder.resolve("adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
    }
}
