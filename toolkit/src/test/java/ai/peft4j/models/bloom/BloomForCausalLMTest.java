package ai.peft4j.models.bloom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.json.PythonJson;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PretrainedConfig;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import ai.peft4j.tuners.prompt.PromptLearning;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bloom against {@code reference/tiny_bloom}, written by {@code scripts/bert_bloom_reference.py} with transformers'
 * own {@code BloomForCausalLM} (6 heads, so ALiBi's extra slopes take part) and PEFT 0.10: logits and losses of a
 * right-padded and a left-padded batch, greedy generation of a left-padded batch, a bfloat16 sharded copy, LoRA with
 * PEFT's default targets and the past keys and values PEFT's prefix tuning hands Bloom.
 */
@DisplayName("Bloom (BloomForCausalLM)")
class BloomForCausalLMTest {

    static Path tinyBloom() {
        try {
            return Path.of(BloomForCausalLMTest.class
                            .getResource("/reference/tiny_bloom/config.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode golden(String relative) {
        return Golden.read(tinyBloom().resolve(relative));
    }

    static JsonNode paramLines() {
        return Golden.read(tinyBloom().resolveSibling("param_lines_bert_bloom.json"))
                .get("lines");
    }

    private static void assertMatches(
            JsonNode batch,
            JsonNode expected,
            java.util.function.Function<LmInputs, CausalLMOutput> forward,
            NDManager m,
            String what) {
        NDArray ids = Golden.longs(m, batch.get("input_ids"));
        NDArray mask = Golden.longs(m, batch.get("attention_mask"));
        NDArray labels = Golden.longs(m, batch.get("labels"));
        CausalLMOutput out = forward.apply(LmInputs.of(ids, mask, labels));
        Golden.assertClose(Golden.floats(m, expected.get("logits")), out.logits(), 1e-4, what + " logits");
        if (expected.has("loss")) {
            assertEquals(expected.get("loss").asDouble(), out.loss().getFloat(), 1e-5, what + " loss");
        }
    }

    @Test
    @DisplayName("logits and loss of right- and left-padded batches match transformers; loss(...) gives the same loss")
    void matchesTransformers() {
        JsonNode g = golden("golden.json");
        try (BloomForCausalLM lm = BloomForCausalLM.fromPretrained(tinyBloom());
                NDManager m = NDManager.newBaseManager()) {
            for (String name : List.of("right_padded", "left_padded")) {
                JsonNode batch = g.get("inputs").get(name);
                assertMatches(
                        batch,
                        g.get("cases").get(name),
                        in -> lm.forward(new ParameterStore(m, false), in, false),
                        m,
                        name);
                NDArray chunked = lm.loss(
                        new ParameterStore(m, false),
                        LmInputs.of(
                                Golden.longs(m, batch.get("input_ids")),
                                Golden.longs(m, batch.get("attention_mask")),
                                Golden.longs(m, batch.get("labels"))),
                        false);
                assertEquals(
                        g.get("cases").get(name).get("loss").asDouble(), chunked.getFloat(), 1e-5, name + " loss(...)");
            }
        }
    }

    @Test
    @DisplayName("apply_residual_connection_post_layernorm=true adds the normed input to each branch, as transformers")
    void residualPostLayernorm() {
        JsonNode g = golden("golden.json");
        ObjectNode json = PretrainedConfig.readJson(tinyBloom());
        json.put("apply_residual_connection_post_layernorm", true);
        try (BloomForCausalLM lm = new BloomForCausalLM(new BloomConfig(json));
                NDManager m = NDManager.newBaseManager()) {
            lm.loadWeights(tinyBloom());
            assertMatches(
                    g.get("inputs").get("right_padded"),
                    g.get("cases").get("post_layernorm_residual"),
                    in -> lm.forward(new ParameterStore(m, false), in, false),
                    m,
                    "post-LN residual");
        }
    }

    @Test
    @DisplayName("greedy generate of a left-padded batch, with the key/value cache, gives transformers' tokens")
    void generateLeftPadded() {
        try (BloomForCausalLM lm = BloomForCausalLM.fromPretrained(tinyBloom());
                NDManager m = NDManager.newBaseManager()) {
            for (String key : List.of("generate", "generate_no_eos")) {
                JsonNode g = golden("golden.json").get(key);
                GenerationConfig config = GenerationConfig.greedy(
                                g.get("max_new_tokens").asInt())
                        .withPadTokenId(3)
                        .withEosTokenId(
                                g.get("eos_token_id").isNull()
                                        ? null
                                        : g.get("eos_token_id").asInt());
                NDArray out = lm.generate(
                        Golden.longs(m, g.get("input_ids")), Golden.longs(m, g.get("attention_mask")), config);
                assertArrayEquals(Golden.longs(m, g.get("sequences")).toLongArray(), out.toLongArray(), key);
            }
        }
    }

    @Test
    @DisplayName("ALiBi slopes equal transformers' build_alibi_tensor for 1 to 20 heads and Bloom's sizes up to 112")
    void alibiSlopes() {
        Iterator<Map.Entry<String, JsonNode>> it =
                golden("golden.json").get("alibi_slopes").fields();
        int checked = 0;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            int heads = Integer.parseInt(e.getKey());
            float[] expected = new float[heads];
            for (int i = 0; i < heads; i++) {
                expected[i] = (float) e.getValue().get(i).asDouble();
            }
            // libtorch's float32 pow (which transformers uses too) can differ in the last bit between CPUs'
            // vector paths (AVX2 vs AVX-512), so each slope must be within one ulp of the reference.
            float[] actual = BloomModel.alibiSlopes(heads);
            for (int i = 0; i < heads; i++) {
                assertEquals(expected[i], actual[i], Math.ulp(expected[i]), heads + " heads, slope " + i);
            }
            checked++;
        }
        assertEquals(27, checked);
    }

    @Test
    @DisplayName("a bfloat16 checkpoint in shards (model.safetensors.index.json) is widened on load")
    void bf16Shards() throws Exception {
        Path dir = tinyBloom().resolve("bf16_sharded");
        JsonNode g = golden("bf16_sharded/golden.json");
        assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")));
        try (SafetensorsFile shard = SafetensorsFile.open(dir.resolve("model-00001-of-00004.safetensors"))) {
            assertEquals("BF16", shard.infos().get(0).dtype().toString(), "the fixture really is bfloat16");
        }
        try (var lm = AutoModelForCausalLM.fromPretrained(dir);
                NDManager m = NDManager.newBaseManager()) {
            assertInstanceOf(BloomForCausalLM.class, lm);
            assertMatches(g.get("inputs"), g, in -> lm.forward(new ParameterStore(m, false), in, false), m, "bf16");
        }
    }

    @Test
    @DisplayName("save then reload: transformers' keys (lm_head tied, not stored), the same logits")
    void saveAndReload(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[][] {{1, 10, 20, 30}});
            var lm = AutoModelForCausalLM.fromPretrained(tinyBloom());
            assertInstanceOf(BloomForCausalLM.class, lm);
            float[] before = lm.forward(ids, null, null).logits().toFloatArray();
            lm.savePretrained(dir);
            try (SafetensorsFile original = SafetensorsFile.open(tinyBloom().resolve("model.safetensors"));
                    SafetensorsFile saved = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                assertEquals(new TreeSet<>(original.names()), new TreeSet<>(saved.names()), "transformers' keys");
            }
            try (BloomForCausalLM again = BloomForCausalLM.fromPretrained(dir)) {
                assertArrayEquals(
                        before, again.forward(ids, null, null).logits().toFloatArray(), 0f);
            }
            lm.close();
        }
    }

    @Test
    @DisplayName("bigscience/bloomz-560m counted without weights; PEFT's published p-tuning and prefix-tuning lines")
    void bloomz560mCounts() {
        BloomForCausalLM lm = new BloomForCausalLM(BloomConfig.named("bigscience/bloomz-560m"));
        assertEquals(559_214_592L, ModuleTree.countParameters(lm), "lm_head tied: counted once");
        // PEFT's docs (p-tuning and prefix-tuning guides) print these two lines for bloomz-560m.
        String pTuning = Peft.pTuning()
                .virtualTokens(20)
                .encoderHiddenSize(128)
                .task(TaskType.CAUSAL_LM)
                .apply(lm)
                .getNbTrainableParameters()
                .toString();
        System.out.println(pTuning);
        assertEquals(
                "trainable params: 300,288 || all params: 559,514,880 || trainable%: 0.05366935013417338", pTuning);
        String prefix = Peft.prefixTuning()
                .virtualTokens(20)
                .task(TaskType.CAUSAL_LM)
                .apply(new BloomForCausalLM(BloomConfig.named("bigscience/bloomz-560m")))
                .getNbTrainableParameters()
                .toString();
        System.out.println(prefix);
        assertEquals("trainable params: 983,040 || all params: 560,197,632 || trainable%: 0.1754809274167014", prefix);
        PeftModel lora = Peft.lora()
                .r(8)
                .task(TaskType.CAUSAL_LM)
                .apply(new BloomForCausalLM(BloomConfig.named("bigscience/bloomz-560m")));
        assertEquals(
                paramLines()
                        .get("bloomz-560m lora CAUSAL_LM r 8 default targets")
                        .asText(),
                lora.getNbTrainableParameters().toString(),
                "PEFT 0.10 on the same config");
    }

    @Test
    @DisplayName("PEFT's LoRA adapter (default target query_key_value) gives PEFT's logits; ours saves PEFT's keys")
    void loraDefaultTargets(@TempDir Path dir) throws Exception {
        JsonNode g = golden("lora/golden.json");
        JsonNode inputs = golden("golden.json").get("inputs");
        try (NDManager m = NDManager.newBaseManager()) {
            var peft = PeftModelForCausalLM.fromPretrained(
                    BloomForCausalLM.fromPretrained(tinyBloom()), tinyBloom().resolve("lora"));
            for (String name : List.of("right_padded", "left_padded")) {
                assertMatches(
                        inputs.get(name),
                        g.get("cases").get(name),
                        in -> peft.forward(new ParameterStore(m, false), in, false),
                        m,
                        "LoRA " + name);
            }
            peft.close();

            PeftModel ours = Peft.lora()
                    .r(4)
                    .alpha(8)
                    .task(TaskType.CAUSAL_LM)
                    .apply(BloomForCausalLM.fromPretrained(tinyBloom()));
            ours.savePretrained(dir);
            assertEquals(
                    keysAndShapes(tinyBloom().resolve("lora/adapter_model.safetensors")),
                    keysAndShapes(dir.resolve("adapter_model.safetensors")),
                    "PEFT's saved keys");
            JsonNode config = PythonJson.readObject(dir.resolve("adapter_config.json"));
            assertEquals(List.of("query_key_value"), sortedStrings(config.get("target_modules")));
            ours.close();
        }
    }

    @Test
    @DisplayName("prefix tuning hands each block PEFT's bloom_model_postprocess_past_key_value layout")
    void prefixTuningPastKeyValues() {
        JsonNode g = golden("prefix/golden.json");
        try (NDManager m = NDManager.newBaseManager()) {
            BloomForCausalLM lm = BloomForCausalLM.fromPretrained(tinyBloom());
            PeftModel peft = PeftModel.fromPretrained(lm, tinyBloom().resolve("prefix"));
            int batch = g.get("batch_size").asInt();
            List<NDList> past = ((PromptLearning) peft.adapterHost())
                    .pastKeyValues(
                            new ParameterStore(m, false),
                            batch,
                            m.zeros(new ai.djl.ndarray.types.Shape(batch, 1)),
                            false);
            assertEquals(g.get("past_key_values").size(), past.size());
            for (int l = 0; l < past.size(); l++) {
                NDArray key = past.get(l).get(0); // (B, H, P, hd) -> Bloom's (B*H, hd, P)
                NDArray value = past.get(l).get(1); // (B, H, P, hd) -> (B*H, P, hd)
                long[] s = key.getShape().getShape();
                Golden.assertClose(
                        Golden.floats(m, g.get("past_key_values").get(l).get(0)),
                        key.transpose(0, 1, 3, 2).reshape(s[0] * s[1], s[3], s[2]),
                        1e-6,
                        "layer " + l + " key");
                Golden.assertClose(
                        Golden.floats(m, g.get("past_key_values").get(l).get(1)),
                        value.reshape(s[0] * s[1], s[2], s[3]),
                        1e-6,
                        "layer " + l + " value");
            }
            // and the model runs with them: logits for the real tokens only
            NDArray ids = m.create(new long[][] {{1, 10, 20}, {1, 7, 8}});
            assertEquals(
                    new ai.djl.ndarray.types.Shape(2, 3, 64),
                    ((PeftModelForCausalLM) peft)
                            .forward(ids, m.ones(new ai.djl.ndarray.types.Shape(2, 3)), null)
                            .logits()
                            .getShape());
            peft.close();
        }
    }

    @Test
    @DisplayName("config.json: transformers' aliases are read and saved under Bloom's names; bad sizes name the key")
    void config() {
        ObjectNode json = PythonJson.MAPPER.createObjectNode();
        json.put("model_type", "bloom")
                .put("n_embed", 32)
                .put("num_hidden_layers", 3)
                .put("num_attention_heads", 4);
        BloomConfig c = new BloomConfig(json);
        assertEquals(32, c.hiddenSize());
        assertEquals(3, c.nLayer());
        assertEquals(4, c.nHead());
        JsonNode saved = c.toJsonNode();
        assertEquals(32, saved.get("hidden_size").asInt());
        assertEquals(3, saved.get("n_layer").asInt());
        assertTrue(!saved.has("n_embed") && !saved.has("num_hidden_layers"), saved.toString());
        BloomConfig defaults = BloomConfig.builder().build();
        assertEquals(250880, defaults.vocabSize());
        assertEquals(64, defaults.hiddenSize());
        assertEquals(8, defaults.nHead());
        assertEquals(null, defaults.padTokenId());
        assertEquals(2, new BloomForCausalLM(defaults).generationConfig().eosTokenId());

        assertRefused(
                "hidden_size", BloomConfig.builder().set("hidden_size", 30).set("n_head", 4));
        assertRefused("n_head", BloomConfig.builder().set("n_head", 0));
        assertRefused("vocab_size", BloomConfig.builder().set("vocab_size", 0));
        assertRefused("n_layer", BloomConfig.builder().set("n_layer", -1));
        assertRefused("hidden_dropout", BloomConfig.builder().set("hidden_dropout", 1.5));
        assertRefused("layer_norm_epsilon", BloomConfig.builder().set("layer_norm_epsilon", 0.0));
        assertRefused("n_head", BloomConfig.builder().set("n_head", "eight"));
    }

    private static void assertRefused(String key, PretrainedConfig.Builder<BloomConfig> b) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains(key), e.getMessage());
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

    static List<String> sortedStrings(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        java.util.Collections.sort(out);
        return out;
    }
}
