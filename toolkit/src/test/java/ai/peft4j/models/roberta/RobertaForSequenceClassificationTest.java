package ai.peft4j.models.roberta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.PreTrainedModelForSequenceClassification;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.SequenceClassifierOutput;
import ai.peft4j.models.WeightLoadException;
import ai.peft4j.models.auto.AutoModelForSequenceClassification;
import ai.peft4j.nn.BlockCopies;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("RobertaForSequenceClassification")
class RobertaForSequenceClassificationTest {

    static JsonNode golden;
    static NDManager manager;

    @BeforeAll
    static void readGolden() {
        golden = Golden.read(tinyRoberta().resolve("golden_base.json"));
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static Path tinyRoberta() {
        return Golden.hfReference().resolve("tiny_roberta");
    }

    static NDArray ids(NDManager m) {
        return Golden.longs(m, golden.get("inputs").get("input_ids"));
    }

    static NDArray mask(NDManager m) {
        return Golden.longs(m, golden.get("inputs").get("attention_mask"));
    }

    static SequenceClassifierOutput run(PreTrainedModelForSequenceClassification model, NDManager m) {
        return model.forward(
                ids(m), mask(m), Golden.longs(m, golden.get("inputs").get("labels")));
    }

    @Nested
    @DisplayName("loaded from the tiny_roberta fixture")
    class FromFixture {

        @Test
        @DisplayName("computes transformers' logits and cross-entropy loss")
        void matchesTransformers() {
            try (PreTrainedModelForSequenceClassification m =
                            AutoModelForSequenceClassification.fromPretrained(tinyRoberta());
                    NDManager step = manager.newSubManager()) {
                assertInstanceOf(RobertaForSequenceClassification.class, m);
                SequenceClassifierOutput out = run(m, step);
                Golden.assertClose(Golden.floats(step, golden.get("logits")), out.logits(), 1e-4, "logits");
                assertEquals(
                        golden.get("loss_with_labels").doubleValue(), out.loss().getFloat(), 1e-5);
                assertNull(m.forward(ids(step), mask(step), null).loss(), "no labels, no loss");
            }
        }

        @Test
        @DisplayName("enumerates exactly the state-dict keys transformers has in memory (no buffers)")
        void stateDictKeys() {
            try (PreTrainedModelForSequenceClassification m =
                    AutoModelForSequenceClassification.fromPretrained(tinyRoberta())) {
                List<String> expected = new ArrayList<>();
                golden.get("state_dict_keys_in_memory").forEach(k -> expected.add(k.asText()));
                assertEquals(
                        expected, new ArrayList<>(ModuleTree.namedParameters(m).keySet()));
                assertInstanceOf(Linear.class, ModuleTree.get(m, "roberta.encoder.layer.1.attention.self.value"));
                assertTrue(ModuleTree.contains(m, "roberta.embeddings.dropout"), "HF has dropout modules");
                assertFalse(ModuleTree.contains(m, "roberta.pooler"), "add_pooling_layer=False");
            }
        }

        @Test
        @DisplayName("saves an HF directory that reloads to identical logits and the same header")
        void saveAndReload(@TempDir Path dir) throws Exception {
            try (PreTrainedModelForSequenceClassification m =
                            AutoModelForSequenceClassification.fromPretrained(tinyRoberta());
                    NDManager step = manager.newSubManager()) {
                m.savePretrained(dir);
                try (PreTrainedModelForSequenceClassification again =
                        AutoModelForSequenceClassification.fromPretrained(dir)) {
                    assertArrayEquals(
                            run(m, step).logits().toFloatArray(),
                            run(again, step).logits().toFloatArray());
                }
            }
            try (SafetensorsFile ours = SafetensorsFile.open(dir.resolve("model.safetensors"));
                    SafetensorsFile theirs = SafetensorsFile.open(tinyRoberta().resolve("model.safetensors"))) {
                assertEquals(theirs.rawHeader(), ours.rawHeader());
            }
            assertEquals(
                    Files.readString(tinyRoberta().resolve("config.json")),
                    Files.readString(dir.resolve("config.json")),
                    "config.json written as transformers writes it");
        }

        @Test
        @DisplayName("inputs_embeds: same logits as input_ids under the mask; positions run from pad+1")
        void inputsEmbeds() {
            try (PreTrainedModelForSequenceClassification m =
                            AutoModelForSequenceClassification.fromPretrained(tinyRoberta());
                    NDManager step = manager.newSubManager()) {
                NDArray ids = ids(step);
                NDArray embeds = m.inputEmbeddings().forward(new ParameterStore(step, false), ids, false); // (B, T, D)

                // HF: ids give cumsum positions (padding at row pad=1); embeds give pad+1.. for every row.
                assertArrayEquals(
                        new long[] {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5, 6, 1, 1, 1},
                        RobertaEmbeddings.positionIdsFromInputIds(ids, 1).toLongArray());

                // With the mask, padded keys get zero weight, so only the padded rows' own positions
                // differ and the <s> logits agree.
                NDArray viaIds = m.forward(ids, mask(step), null).logits();
                NDArray viaEmbeds = m.forward(SequenceClassifierInputs.ofEmbeds(embeds, mask(step), null))
                        .logits();
                Golden.assertClose(viaIds, viaEmbeds, 1e-6, "masked logits, ids vs embeds");

                // Without a mask the padded tokens are attended to, and their positions (1 vs 7, 8, 9)
                // change row 1 but not row 0, which has no padding.
                float[] idsNoMask = m.forward(ids, null, null).logits().toFloatArray();
                float[] embNoMask = m.forward(SequenceClassifierInputs.ofEmbeds(embeds, null, null))
                        .logits()
                        .toFloatArray();
                assertEquals(idsNoMask[0], embNoMask[0], 1e-6);
                assertEquals(idsNoMask[1], embNoMask[1], 1e-6);
                assertTrue(
                        Math.abs(idsNoMask[2] - embNoMask[2]) + Math.abs(idsNoMask[3] - embNoMask[3]) > 1e-4,
                        "row 1 must differ: HF numbers inputs_embeds positions sequentially");
            }
        }

        @Test
        @DisplayName("explicit zero token_type_ids equal the default")
        void tokenTypeIds() {
            try (PreTrainedModelForSequenceClassification m =
                            AutoModelForSequenceClassification.fromPretrained(tinyRoberta());
                    NDManager step = manager.newSubManager()) {
                NDArray ids = ids(step);
                SequenceClassifierInputs in =
                        new SequenceClassifierInputs(ids, null, mask(step), ids.zerosLike(), null);
                Golden.assertClose(
                        Golden.floats(step, golden.get("logits")), m.forward(in).logits(), 1e-4, "logits");
            }
        }
    }

    @Nested
    @DisplayName("the classifier head")
    class Head {

        @Test
        @DisplayName("BlockCopies.copy gives an independent head with equal weights and outputs")
        void deepCopy() {
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromPretrained(tinyRoberta());
                    NDManager step = manager.newSubManager()) {
                Block head = m.classifier();
                Block copy = BlockCopies.copy(head);
                assertInstanceOf(RobertaClassificationHead.class, copy);
                Map<String, Parameter> a = ModuleTree.namedParameters(head);
                Map<String, Parameter> b = ModuleTree.namedParameters(copy);
                assertEquals(
                        List.of("dense.weight", "dense.bias", "out_proj.weight", "out_proj.bias"),
                        new ArrayList<>(b.keySet()));
                a.forEach((k, p) -> {
                    assertNotSame(p, b.get(k));
                    assertArrayEquals(
                            p.getArray().toFloatArray(), b.get(k).getArray().toFloatArray(), k);
                });

                NDArray features = step.randomNormal(new ai.djl.ndarray.types.Shape(2, 5, 16));
                ParameterStore ps = new ParameterStore(step, false);
                RobertaClassificationHead h = (RobertaClassificationHead) head;
                RobertaClassificationHead c = (RobertaClassificationHead) copy;
                assertArrayEquals(
                        h.forward(ps, features, false).toFloatArray(),
                        c.forward(ps, features, false).toFloatArray());

                b.get("out_proj.bias").getArray().addi(1f);
                assertFalse(
                        java.util.Arrays.equals(
                                h.forward(ps, features, false).toFloatArray(),
                                c.forward(ps, features, false).toFloatArray()),
                        "the copy owns its weights");
                copy.getParameters().values().forEach(Parameter::close);
            }
        }

        @Test
        @DisplayName("reads only the first token")
        void firstToken() {
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromConfig(tiny(3), 5);
                    NDManager step = manager.newSubManager()) {
                RobertaClassificationHead h = (RobertaClassificationHead) m.classifier();
                ParameterStore ps = new ParameterStore(step, false);
                NDArray x = step.randomNormal(new ai.djl.ndarray.types.Shape(2, 4, 16));
                NDArray y = x.duplicate();
                y.set(new NDIndex(":, 1:, :"), 7f);
                assertArrayEquals(
                        h.forward(ps, x, false).toFloatArray(),
                        h.forward(ps, y, false).toFloatArray());
                assertEquals(
                        new ai.djl.ndarray.types.Shape(2, 3),
                        h.forward(ps, x, false).getShape());
            }
        }
    }

    @Nested
    @DisplayName("losses by problem_type")
    class LossRules {

        @Test
        @DisplayName("one label: regression, MSE of squeezed logits and labels")
        void regression() {
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromConfig(tiny(1), 3);
                    NDManager step = manager.newSubManager()) {
                NDArray labels = step.create(new float[] {0.5f, -1.25f});
                SequenceClassifierOutput out = m.forward(ids(step), mask(step), labels);
                float[] z = out.logits().toFloatArray();
                assertEquals(2, z.length);
                double mse = (Math.pow(z[0] - 0.5, 2) + Math.pow(z[1] + 1.25, 2)) / 2;
                assertEquals(mse, out.loss().getFloat(), 1e-6);
            }
        }

        @Test
        @DisplayName("several labels with float targets: BCE with logits")
        void multiLabel() {
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromConfig(tiny(3), 3);
                    NDManager step = manager.newSubManager()) {
                float[] y = {1, 0, 1, 0, 0, 1};
                NDArray labels = step.create(y, new ai.djl.ndarray.types.Shape(2, 3));
                SequenceClassifierOutput out = m.forward(ids(step), mask(step), labels);
                float[] z = out.logits().toFloatArray();
                double sum = 0;
                for (int i = 0; i < z.length; i++) {
                    double p = 1 / (1 + Math.exp(-z[i]));
                    sum += -(y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p));
                }
                assertEquals(sum / z.length, out.loss().getFloat(), 1e-5);
            }
        }

        @Test
        @DisplayName("integer labels: cross-entropy, -100 ignored; problem_type overrides the guess")
        void singleLabel() {
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromConfig(tiny(3), 3);
                    NDManager step = manager.newSubManager()) {
                SequenceClassifierOutput out = m.forward(ids(step), mask(step), step.create(new long[] {2, -100}));
                float[] z = out.logits().toFloatArray();
                double lse = Math.log(Math.exp(z[0]) + Math.exp(z[1]) + Math.exp(z[2]));
                assertEquals(lse - z[2], out.loss().getFloat(), 1e-5);
            }
            RobertaConfig regression3 = RobertaConfig.builder()
                    .set("vocab_size", 64)
                    .set("hidden_size", 16)
                    .set("num_hidden_layers", 1)
                    .set("num_attention_heads", 2)
                    .set("intermediate_size", 32)
                    .set("max_position_embeddings", 64)
                    .set("num_labels", 3)
                    .set("problem_type", "regression")
                    .build();
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromConfig(regression3, 3);
                    NDManager step = manager.newSubManager()) {
                NDArray labels = step.zeros(new ai.djl.ndarray.types.Shape(2, 3));
                SequenceClassifierOutput out = m.forward(ids(step), mask(step), labels);
                assertEquals(out.logits().square().mean().getFloat(), out.loss().getFloat(), 1e-6);
            }
        }
    }

    @Nested
    @DisplayName("counted from a configuration, without weights")
    class Counting {

        @Test
        @DisplayName("roberta-large with a 2-label head has 355,361,794 parameters")
        void robertaLarge() {
            // RobertaModel(roberta-large) with pooler: 355,359,744 (transformers). The classifier drops
            // the pooler (1024*1024 + 1024 = 1,049,600) and adds the head: dense 1024*1024 + 1024 =
            // 1,049,600 and out_proj 1024*2 + 2 = 2,050.
            // 355,359,744 - 1,049,600 + 1,049,600 + 2,050 = 355,361,794.
            RobertaConfig c = RobertaConfig.named("roberta-large");
            assertEquals(2, c.numLabels());
            RobertaForSequenceClassification m = new RobertaForSequenceClassification(c);
            assertEquals(355_361_794L, ModuleTree.countParameters(m));
            assertTrue(
                    ModuleTree.uniqueParameters(m).values().stream().noneMatch(Parameter::isInitialized),
                    "counting must not allocate weights");
            assertEquals("roberta-large", m.nameOrPath());
        }

        @Test
        @DisplayName("the bare roberta-large model with pooler has 355,359,744 parameters")
        void robertaLargeBare() {
            // embeddings 50265*1024 + 514*1024 + 1*1024 + 2*1024 = 52,000,768
            // per layer: q,k,v,o 4*(1024*1024+1024) + 2 LN 4*1024 + fc 1024*4096+4096 + 4096*1024+1024
            //          = 12,596,224; 24 layers = 302,309,376; pooler 1,049,600
            assertEquals(
                    355_359_744L,
                    ModuleTree.countParameters(new RobertaModel(RobertaConfig.named("roberta-large"), true)));
        }

        @Test
        @DisplayName("the bare roberta-base model with pooler has 124,645,632 parameters")
        void robertaBase() {
            assertEquals(
                    124_645_632L,
                    ModuleTree.countParameters(new RobertaModel(RobertaConfig.named("roberta-base"), true)));
        }
    }

    @Nested
    @DisplayName("with seeded random weights")
    class Seeded {

        @Test
        @DisplayName("the same seed gives the same logits; padding rows are zero; std is initializer_range")
        void seeded() {
            try (RobertaForSequenceClassification a = RobertaForSequenceClassification.fromConfig(tiny(2), 7);
                    RobertaForSequenceClassification b = RobertaForSequenceClassification.fromConfig(tiny(2), 7);
                    RobertaForSequenceClassification c = RobertaForSequenceClassification.fromConfig(tiny(2), 8);
                    NDManager step = manager.newSubManager()) {
                float[] la = a.forward(ids(step), mask(step), null).logits().toFloatArray();
                assertArrayEquals(
                        la, b.forward(ids(step), mask(step), null).logits().toFloatArray());
                assertFalse(java.util.Arrays.equals(
                        la, c.forward(ids(step), mask(step), null).logits().toFloatArray()));
                Map<String, Parameter> p = ModuleTree.namedParameters(a);
                for (String k : List.of(
                        "roberta.embeddings.word_embeddings.weight", "roberta.embeddings.position_embeddings.weight")) {
                    assertEquals(0f, p.get(k).getArray().get(1).abs().sum().getFloat(), k + " padding row");
                }
                NDArray w = p.get("roberta.encoder.layer.0.intermediate.dense.weight")
                        .getArray();
                assertEquals(0.02, Math.sqrt(w.square().mean().getFloat()), 0.003);
                assertEquals(
                        0f,
                        p.get("classifier.dense.bias").getArray().abs().sum().getFloat());
                assertEquals(
                        1f,
                        p.get("roberta.embeddings.LayerNorm.weight")
                                .getArray()
                                .mean()
                                .getFloat());
            }
        }

        @Test
        @DisplayName("AutoModelForSequenceClassification.fromConfig builds the architecture from JSON")
        void autoFromConfig() {
            try (PreTrainedModelForSequenceClassification m =
                    AutoModelForSequenceClassification.fromConfig(tiny(4).toJsonNode())) {
                assertInstanceOf(RobertaForSequenceClassification.class, m);
                assertEquals(4, m.numLabels());
                assertEquals("classifier", m.classifierName());
                assertEquals("roberta", m.baseModelPrefix());
            }
        }
    }

    static RobertaConfig tiny(int numLabels) {
        return RobertaConfig.builder()
                .set("vocab_size", 64)
                .set("hidden_size", 16)
                .set("num_hidden_layers", 2)
                .set("num_attention_heads", 2)
                .set("intermediate_size", 32)
                .set("max_position_embeddings", 64)
                .set("type_vocab_size", 1)
                .set("layer_norm_eps", 1e-5)
                .set("num_labels", numLabels)
                .build();
    }

    @Nested
    @DisplayName("given a checkpoint that does not fit")
    class BadCheckpoints {

        @Test
        @DisplayName("a checkpoint without the classifier loads the encoder and creates the head fresh")
        void bareModelCheckpoint(@TempDir Path dir) throws Exception {
            Path fixture = Golden.hfReference().resolve("tiny_roberta");
            Files.copy(fixture.resolve("config.json"), dir.resolve("config.json"));
            java.util.Map<String, ai.peft4j.io.safetensors.Tensor> kept = new java.util.LinkedHashMap<>();
            try (SafetensorsFile f = SafetensorsFile.open(fixture.resolve("model.safetensors"))) {
                for (String name : f.names()) {
                    if (!name.startsWith("classifier.")) {
                        kept.put(
                                name,
                                ai.peft4j.io.safetensors.Tensor.ofFloats(
                                        f.floats(name), f.info(name).shape()));
                    }
                }
            }
            ai.peft4j.io.safetensors.SafetensorsWriter.write(
                    dir.resolve("model.safetensors"), kept, Map.of("format", "pt"));
            try (PreTrainedModelForSequenceClassification m = AutoModelForSequenceClassification.fromPretrained(dir);
                    SafetensorsFile f = SafetensorsFile.open(fixture.resolve("model.safetensors"))) {
                Map<String, Parameter> params = ModuleTree.namedParameters(m);
                assertTrue(params.values().stream().allMatch(Parameter::isInitialized));
                String enc = "roberta.encoder.layer.0.attention.self.query.weight";
                assertArrayEquals(f.floats(enc), params.get(enc).getArray().toFloatArray());
                assertFalse(
                        java.util.Arrays.equals(
                                f.floats("classifier.dense.weight"),
                                params.get("classifier.dense.weight").getArray().toFloatArray()),
                        "a fresh head");
            }
        }

        @Test
        @DisplayName("a different num_labels names the classifier keys with both shapes, and loads nothing")
        void numLabelsMismatch() {
            try (RobertaForSequenceClassification m = new RobertaForSequenceClassification(tiny(3))) {
                WeightLoadException e = assertThrows(WeightLoadException.class, () -> m.loadWeights(tinyRoberta()));
                assertTrue(
                        e.getMessage().contains("classifier.out_proj.weight: model (3, 16) vs file (2, 16)"),
                        e.getMessage());
                assertTrue(e.getMessage().contains("classifier.out_proj.bias: model (3) vs file (2)"), e.getMessage());
                assertTrue(ModuleTree.uniqueParameters(m).values().stream().noneMatch(Parameter::isInitialized));
            }
        }

        @Test
        @DisplayName("lists missing keys")
        void missingKeys() {
            RobertaConfig three = RobertaConfig.builder()
                    .set("vocab_size", 64)
                    .set("hidden_size", 16)
                    .set("num_hidden_layers", 3)
                    .set("num_attention_heads", 2)
                    .set("intermediate_size", 32)
                    .set("max_position_embeddings", 64)
                    .set("type_vocab_size", 1)
                    .build();
            try (RobertaForSequenceClassification m = new RobertaForSequenceClassification(three)) {
                WeightLoadException e = assertThrows(WeightLoadException.class, () -> m.loadWeights(tinyRoberta()));
                assertTrue(e.missingKeys().contains("roberta.encoder.layer.2.output.LayerNorm.weight"), e.getMessage());
                assertTrue(
                        e.getMessage().contains("roberta.encoder.layer.2.attention.self.query.weight"), e.getMessage());
            }
        }

        @Test
        @DisplayName("an unknown model_type names what is supported")
        void unknownType(@TempDir Path dir) throws Exception {
            Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"deberta\"}");
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> AutoModelForSequenceClassification.fromPretrained(dir));
            assertTrue(e.getMessage().contains("'deberta'") && e.getMessage().contains("roberta"), e.getMessage());
            IllegalArgumentException none = assertThrows(
                    IllegalArgumentException.class,
                    () -> AutoModelForSequenceClassification.fromPretrained(dir.resolve("absent")));
            assertTrue(none.getMessage().contains("no config.json"), none.getMessage());
        }
    }
}
