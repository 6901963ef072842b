package ai.peft4j.models.opt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.WeightLoadException;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("OPTForCausalLM")
class OptForCausalLMTest {

    static JsonNode golden;
    static NDManager manager;

    @BeforeAll
    static void readGolden() {
        golden = Golden.read(Golden.tinyOpt().resolve("golden_base.json"));
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static CausalLMOutput run(PreTrainedCausalLM lm, NDManager m) {
        JsonNode in = golden.get("inputs");
        return lm.forward(
                Golden.longs(m, in.get("input_ids")),
                Golden.longs(m, in.get("attention_mask")),
                Golden.longs(m, in.get("labels")));
    }

    @Nested
    @DisplayName("loaded from the tiny_opt fixture")
    class FromFixture {

        @Test
        @DisplayName("computes transformers' logits and loss")
        void matchesTransformers() {
            try (PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
                    NDManager step = manager.newSubManager()) {
                CausalLMOutput out = run(lm, step);
                Golden.assertClose(Golden.floats(step, golden.get("logits")), out.logits(), 1e-4, "logits");
                assertEquals(
                        golden.get("loss_with_labels").doubleValue(), out.loss().getFloat(), 1e-5);
            }
        }

        @Test
        @DisplayName(
                "refuses position_ids (its positions count the mask, as transformers' OPT, whose forward has none)")
        void refusesPositionIds() {
            try (PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
                    NDManager step = manager.newSubManager()) {
                NDArray ids = Golden.longs(step, golden.get("inputs").get("input_ids"));
                LmInputs in = LmInputs.of(ids, null, null)
                        .withPositionIds(step.arange(0L, 8L).reshape(1, 8));
                IllegalArgumentException e = assertThrows(
                        IllegalArgumentException.class, () -> lm.forward(new ParameterStore(step, false), in, false));
                assertTrue(e.getMessage().contains("position_ids"), e.getMessage());
                assertFalse(lm.takesPositionIds());
            }
        }

        @Test
        @DisplayName("enumerates exactly the state-dict keys transformers has in memory")
        void stateDictKeys() {
            try (PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt())) {
                List<String> expected = new ArrayList<>();
                golden.get("state_dict_keys_in_memory").forEach(k -> expected.add(k.asText()));
                assertEquals(
                        expected, new ArrayList<>(ModuleTree.namedParameters(lm).keySet()));
            }
        }

        @Test
        @DisplayName("saves an HF directory that reloads to identical logits and the same header")
        void saveAndReload(@TempDir Path dir) throws Exception {
            try (PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
                    NDManager step = manager.newSubManager()) {
                lm.savePretrained(dir);
                try (PreTrainedCausalLM again = AutoModelForCausalLM.fromPretrained(dir)) {
                    assertArrayEquals(
                            run(lm, step).logits().toFloatArray(),
                            run(again, step).logits().toFloatArray());
                }
            }
            try (SafetensorsFile ours = SafetensorsFile.open(dir.resolve("model.safetensors"));
                    SafetensorsFile theirs =
                            SafetensorsFile.open(Golden.tinyOpt().resolve("model.safetensors"))) {
                assertEquals(theirs.rawHeader(), ours.rawHeader());
                assertFalse(ours.names().contains("lm_head.weight"), "tied weight stored once");
            }
            assertEquals(Golden.read(Golden.tinyOpt().resolve("config.json")), Golden.read(dir.resolve("config.json")));
            assertEquals(
                    Files.readString(Golden.tinyOpt().resolve("config.json")),
                    Files.readString(dir.resolve("config.json")),
                    "config.json written as transformers writes it");
        }
    }

    @Nested
    @DisplayName("counted from a configuration, without weights")
    class Counting {

        @Test
        @DisplayName("facebook/opt-350m has 331,196,416 parameters")
        void opt350m() {
            OptForCausalLM lm = new OptForCausalLM(OptConfig.named("facebook/opt-350m"));
            assertEquals(331_196_416L, ModuleTree.countParameters(lm));
            assertTrue(
                    ModuleTree.uniqueParameters(lm).values().stream().noneMatch(p -> p.isInitialized()),
                    "counting must not allocate weights");
        }

        @Test
        @DisplayName("facebook/opt-125m has 125,239,296 parameters")
        void opt125m() {
            assertEquals(
                    125_239_296L, ModuleTree.countParameters(new OptForCausalLM(OptConfig.named("facebook/opt-125m"))));
        }

        @Test
        @DisplayName("opt-350m has projections and no final layer norm (post-LN)")
        void opt350mStructure() {
            OptForCausalLM lm = new OptForCausalLM(OptConfig.named("facebook/opt-350m"));
            assertTrue(ModuleTree.contains(lm, "model.decoder.project_in"));
            assertTrue(ModuleTree.contains(lm, "model.decoder.project_out"));
            assertFalse(ModuleTree.contains(lm, "model.decoder.final_layer_norm"));
            assertTrue(ModuleTree.contains(lm, "model.decoder.layers.23.self_attn.q_proj"));
        }
    }

    @Nested
    @DisplayName("with seeded random weights")
    class Seeded {

        @Test
        @DisplayName("the same seed gives the same weights; post-LN with projections runs")
        void seeded() {
            OptConfig c = tinyPostLnConfig();
            try (OptForCausalLM a = OptForCausalLM.fromConfig(c, 7);
                    OptForCausalLM b = OptForCausalLM.fromConfig(c, 7);
                    NDManager step = manager.newSubManager()) {
                NDArray ids = step.create(new long[][] {{2, 5, 9, 4}});
                float[] la = a.forward(ids, null, null).logits().toFloatArray();
                assertArrayEquals(la, b.forward(ids, null, null).logits().toFloatArray());
                assertEquals(4 * 40, la.length);
            }
        }
    }

    static OptConfig tinyPostLnConfig() {
        return OptConfig.builder()
                .set("vocab_size", 40)
                .set("hidden_size", 12)
                .set("word_embed_proj_dim", 8)
                .set("num_hidden_layers", 2)
                .set("num_attention_heads", 3)
                .set("ffn_dim", 24)
                .set("max_position_embeddings", 16)
                .set("do_layer_norm_before", false)
                .set("dropout", 0.0)
                .build();
    }

    @Nested
    @DisplayName("given a checkpoint that does not fit")
    class BadCheckpoints {

        @Test
        @DisplayName("names the mismatched key with both shapes, and loads nothing")
        void shapeMismatch(@TempDir Path dir) {
            try (OptForCausalLM other = OptForCausalLM.fromConfig(tinyPostLnConfig(), 1)) {
                other.savePretrained(dir);
            }
            OptForCausalLM lm = new OptForCausalLM(OptConfig.builder()
                    .set("vocab_size", 41)
                    .set("hidden_size", 12)
                    .set("word_embed_proj_dim", 8)
                    .set("num_hidden_layers", 2)
                    .set("num_attention_heads", 3)
                    .set("ffn_dim", 24)
                    .set("max_position_embeddings", 16)
                    .set("do_layer_norm_before", false)
                    .build());
            WeightLoadException e = assertThrows(WeightLoadException.class, () -> lm.loadWeights(dir));
            assertTrue(
                    e.getMessage().contains("model.decoder.embed_tokens.weight: model (41, 8) vs file (40, 8)"),
                    e.getMessage());
            assertTrue(ModuleTree.uniqueParameters(lm).values().stream().noneMatch(p -> p.isInitialized()));
            lm.close();
        }

        @Test
        @DisplayName("lists missing keys")
        void missingKeys(@TempDir Path dir) {
            try (OptForCausalLM other = OptForCausalLM.fromConfig(tinyPostLnConfig(), 1)) {
                other.savePretrained(dir);
            }
            OptConfig three = OptConfig.builder()
                    .set("vocab_size", 40)
                    .set("hidden_size", 12)
                    .set("word_embed_proj_dim", 8)
                    .set("num_hidden_layers", 3)
                    .set("num_attention_heads", 3)
                    .set("ffn_dim", 24)
                    .set("max_position_embeddings", 16)
                    .set("do_layer_norm_before", false)
                    .build();
            try (OptForCausalLM lm = new OptForCausalLM(three)) {
                WeightLoadException e = assertThrows(WeightLoadException.class, () -> lm.loadWeights(dir));
                assertTrue(e.missingKeys().contains("model.decoder.layers.2.fc1.weight"), e.getMessage());
            }
        }

        @Test
        @DisplayName("says that a directory without config.json is not a model directory")
        void noConfig(@TempDir Path dir) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> AutoModelForCausalLM.fromPretrained(dir));
            assertTrue(e.getMessage().contains("no config.json"), e.getMessage());
        }
    }
}
