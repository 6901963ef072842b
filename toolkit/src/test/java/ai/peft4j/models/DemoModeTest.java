package ai.peft4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import ai.peft4j.io.hub.HubClient;
import ai.peft4j.io.hub.HubException;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.models.auto.AutoModelForSeq2SeqLM;
import ai.peft4j.models.t5.T5Config;
import ai.peft4j.models.t5.T5ForConditionalGeneration;
import ai.peft4j.nn.ModuleTree;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Demo mode")
class DemoModeTest {

    @TempDir
    Path cache;

    @BeforeEach
    void offlineHub() {
        HubClient.setDefault(HubClient.builder().cacheDir(cache).offline(true).build());
    }

    @AfterEach
    void reset() {
        DemoMode.disable();
        HubClient.setDefault(null);
    }

    @Test
    @DisplayName("off: a model that is neither local nor cached is an error")
    void off() {
        assertThrows(HubException.class, () -> AutoModelForCausalLM.fromPretrained("facebook/opt-125m"));
    }

    @Test
    @DisplayName("on: builds the shipped architecture with seeded weights and says so")
    void on() {
        DemoMode.enable(5);
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try (PreTrainedCausalLM a = AutoModelForCausalLM.fromPretrained("facebook/opt-125m");
                PreTrainedCausalLM b = AutoModelForCausalLM.fromPretrained("facebook/opt-125m")) {
            assertEquals(125_239_296L, ModuleTree.countParameters(a));
            assertTrue(ModuleTree.uniqueParameters(a).values().stream().allMatch(Parameter::isInitialized));
            assertEquals("facebook/opt-125m", a.nameOrPath());
            String w = "model.decoder.layers.0.self_attn.q_proj.weight";
            assertArrayEquals(
                    ModuleTree.namedParameters(a).get(w).getArray().toFloatArray(),
                    ModuleTree.namedParameters(b).get(w).getArray().toFloatArray(),
                    "same seed, same weights");
        } finally {
            System.setOut(out);
        }
        assertTrue(captured.toString().contains("[demo mode] facebook/opt-125m"), captured.toString());
        assertTrue(captured.toString().contains("seeded random weights (seed 5)"), captured.toString());
    }

    @Test
    @DisplayName("on: an id peft4j ships no configuration for is explained")
    void unknownId() {
        DemoMode.enable(5);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> AutoModelForCausalLM.fromPretrained("someone/unknown-model"));
        assertTrue(e.getMessage().contains("ships no configuration"), e.getMessage());
        for (String shipped : List.of("t5-small", "bigscience/mt0-large", "Qwen/Qwen2.5-0.5B", "facebook/opt-350m")) {
            assertTrue(e.getMessage().contains(shipped), "the message lists " + shipped + ": " + e.getMessage());
        }
    }

    @Test
    @DisplayName("every shipped configuration is listed under its family, and each loads")
    void shippedModels() {
        Map<String, List<String>> shipped = DemoMode.shippedModels();
        assertEquals(List.of("bigscience/mt0-large", "t5-base", "t5-large", "t5-small"), shipped.get("t5"));
        assertEquals(List.of("facebook/opt-125m", "facebook/opt-350m"), shipped.get("opt"));
        assertTrue(shipped.keySet().containsAll(List.of("llama", "qwen2", "mistral", "gemma", "bloom", "bert")));
        shipped.values().stream()
                .flatMap(List::stream)
                .forEach(id ->
                        assertTrue(PretrainedConfig.shippedAny(id).isPresent(), id + " is listed but does not load"));
    }

    @Test
    @DisplayName("on: t5-small gets T5's own init, a deviation per matrix as transformers' _init_weights draws it")
    void t5Init() {
        DemoMode.enable(3);
        PrintStream out = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try (PreTrainedModel t5 = AutoModelForSeq2SeqLM.fromPretrained("t5-small")) {
            Map<String, Parameter> p = ModuleTree.namedParameters(t5);
            // t5-small: d_model 512, d_kv 64, 8 heads, d_ff 2048, initializer_factor 1
            String attn = "encoder.block.1.layer.0.SelfAttention.";
            assertStd(1.0, p.get("shared.weight"), 0.01);
            assertStd(Math.pow(512 * 64, -0.5), p.get(attn + "q.weight"), 0.02);
            assertStd(Math.pow(512, -0.5), p.get(attn + "k.weight"), 0.02);
            assertStd(Math.pow(512, -0.5), p.get(attn + "v.weight"), 0.02);
            assertStd(Math.pow(8 * 64, -0.5), p.get(attn + "o.weight"), 0.02);
            assertStd(Math.pow(512, -0.5), p.get("decoder.block.0.layer.1.EncDecAttention.k.weight"), 0.02);
            assertStd(Math.pow(512 * 64, -0.5), p.get("decoder.block.0.layer.1.EncDecAttention.q.weight"), 0.02);
            assertStd(Math.pow(512, -0.5), p.get("encoder.block.0.layer.1.DenseReluDense.wi.weight"), 0.02);
            assertStd(Math.pow(2048, -0.5), p.get("encoder.block.0.layer.1.DenseReluDense.wo.weight"), 0.02);
            assertStd(
                    Math.pow(512, -0.5),
                    p.get("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"),
                    0.15); // 32 x 8 values only
            float[] norm = p.get("decoder.final_layer_norm.weight").getArray().toFloatArray();
            for (float v : norm) {
                assertEquals(1f, v);
            }
            assertTrue(p.get("lm_head.weight") == p.get("shared.weight"), "t5-small ties its head");
        } finally {
            System.setOut(out);
        }
    }

    @Test
    @DisplayName("T5's init scales with initializer_factor; an untied head is drawn like the embedding")
    void t5InitFactorAndUntiedHead() {
        T5Config c = T5Config.builder()
                .set("vocab_size", 300)
                .set("d_model", 128)
                .set("d_kv", 32)
                .set("num_heads", 2)
                .set("d_ff", 256)
                .set("num_layers", 1)
                .set("tie_word_embeddings", false)
                .set("feed_forward_proj", "gated-gelu")
                .set("initializer_factor", 0.5)
                .build();
        try (T5ForConditionalGeneration t5 = T5ForConditionalGeneration.fromConfig(c, 9)) {
            Map<String, Parameter> p = ModuleTree.namedParameters(t5);
            assertStd(0.5, p.get("lm_head.weight"), 0.03);
            assertStd(0.5, p.get("shared.weight"), 0.03);
            assertStd(0.5 * Math.pow(128 * 32, -0.5), p.get("encoder.block.0.layer.0.SelfAttention.q.weight"), 0.05);
            assertStd(0.5 * Math.pow(2 * 32, -0.5), p.get("encoder.block.0.layer.0.SelfAttention.o.weight"), 0.05);
            assertStd(0.5 * Math.pow(128, -0.5), p.get("decoder.block.0.layer.2.DenseReluDense.wi_0.weight"), 0.05);
            assertStd(0.5 * Math.pow(128, -0.5), p.get("decoder.block.0.layer.2.DenseReluDense.wi_1.weight"), 0.05);
            assertStd(0.5 * Math.pow(256, -0.5), p.get("decoder.block.0.layer.2.DenseReluDense.wo.weight"), 0.05);
            assertEquals(
                    0.5f, p.get("encoder.final_layer_norm.weight").getArray().toFloatArray()[0]);
            try (T5ForConditionalGeneration again = T5ForConditionalGeneration.fromConfig(c, 9)) {
                assertArrayEquals(
                        p.get("lm_head.weight").getArray().toFloatArray(),
                        ModuleTree.namedParameters(again)
                                .get("lm_head.weight")
                                .getArray()
                                .toFloatArray(),
                        "same seed, same weights");
            }
        }
    }

    /** The sample standard deviation of {@code p} (mean near 0) within a relative {@code tolerance} of {@code want}. */
    private static void assertStd(double want, Parameter p, double tolerance) {
        float[] v = p.getArray().toFloatArray();
        double sum = 0;
        double sq = 0;
        for (float x : v) {
            sum += x;
            sq += (double) x * x;
        }
        double mean = sum / v.length;
        double std = Math.sqrt(sq / v.length - mean * mean);
        assertEquals(want, std, want * tolerance, p.getName() + ": std " + std + ", want " + want);
        assertEquals(0, mean, 4 * want / Math.sqrt(v.length) + 1e-9, "mean of " + p.getName());
    }
}
