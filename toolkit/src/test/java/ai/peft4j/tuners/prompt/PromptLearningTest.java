package ai.peft4j.tuners.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.PeftModelForSequenceClassification;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.SequenceClassifierInputs;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.models.roberta.RobertaClassificationHead;
import ai.peft4j.models.roberta.RobertaConfig;
import ai.peft4j.models.roberta.RobertaEmbeddings;
import ai.peft4j.models.roberta.RobertaForSequenceClassification;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.Tokenizers;
import ai.peft4j.tuners.Initialization;
import ai.peft4j.tuners.ModulesToSaveWrapper;
import ai.peft4j.tuners.prefixtuning.PrefixTuningConfig;
import ai.peft4j.tuners.prompttuning.PromptTuningConfig;
import ai.peft4j.tuners.ptuning.PromptEncoder;
import ai.peft4j.tuners.ptuning.PromptEncoderConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Prompt learning (P_TUNING, PROMPT_TUNING, PREFIX_TUNING)")
class PromptLearningTest {

    static Path tinyRoberta() {
        return Golden.hfReference().resolve("tiny_roberta");
    }

    NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Initialization.manualSeed(7);
        Engine.getInstance().setRandomSeed(7);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    NDArray ids(long[][] rows) {
        int t = rows[0].length;
        long[] flat = new long[rows.length * t];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * t, t);
        }
        return manager.create(flat, new Shape(rows.length, t));
    }

    /** Sets the virtual-token table of the active adapter to the word embeddings of {@code tokenIds}. */
    static void setVirtualTokensTo(PeftModel peft, NDArray wordWeight, long... tokenIds) {
        NDArray table = peft.promptEncoder("default").embedding().weight().getArray();
        try (NDManager scope = table.getManager().newSubManager()) {
            NDArray rows = wordWeight.get(new NDIndex("{}", scope.create(tokenIds)));
            Weights.copyInto(table, rows);
        }
    }

    @Nested
    @DisplayName("configs")
    class Configs {

        @Test
        @DisplayName("each type round-trips through JSON and dispatches by peft_type")
        void roundTrips() {
            List<PeftConfig> configs = List.of(
                    PromptEncoderConfig.builder()
                            .numVirtualTokens(20)
                            .encoderHiddenSize(128)
                            .taskType(TaskType.SEQ_CLS)
                            .encoderReparameterizationType("LSTM")
                            .encoderNumLayers(3)
                            .encoderDropout(0.1)
                            .build(),
                    PromptTuningConfig.builder()
                            .numVirtualTokens(8)
                            .taskType(TaskType.CAUSAL_LM)
                            .promptTuningInit("TEXT")
                            .promptTuningInitText("Classify:")
                            .tokenizerNameOrPath("facebook/opt-125m")
                            .tokenizerKwargs(Map.of("use_fast", false))
                            .build(),
                    PrefixTuningConfig.builder()
                            .numVirtualTokens(10)
                            .prefixProjection(true)
                            .encoderHiddenSize(64)
                            .taskType(TaskType.CAUSAL_LM)
                            .build());
            for (PeftConfig c : configs) {
                PeftConfig again = PeftConfig.fromJson(c.toJson());
                assertEquals(c, again);
                assertEquals(c.toJson(), again.toJson());
                assertTrue(PeftConfig.parse(c.toJson(), null).ignoredKeys().isEmpty());
            }
        }

        @Test
        @DisplayName("writes every key PEFT 0.10 writes, with PEFT's defaults")
        void keysAndDefaults() {
            assertEquals(
                    new TreeSet<>(List.of(
                            "auto_mapping",
                            "base_model_name_or_path",
                            "inference_mode",
                            "peft_type",
                            "revision",
                            "task_type",
                            "num_virtual_tokens",
                            "token_dim",
                            "num_transformer_submodules",
                            "num_attention_heads",
                            "num_layers",
                            "encoder_reparameterization_type",
                            "encoder_hidden_size",
                            "encoder_num_layers",
                            "encoder_dropout")),
                    PromptEncoderConfig.builder()
                            .numVirtualTokens(1)
                            .build()
                            .toMap()
                            .keySet());
            Map<String, Object> pt =
                    PromptTuningConfig.builder().numVirtualTokens(1).build().toMap();
            assertEquals("RANDOM", pt.get("prompt_tuning_init"));
            assertTrue(pt.containsKey("tokenizer_kwargs") && pt.get("tokenizer_kwargs") == null);
            assertFalse(pt.containsKey("encoder_hidden_size"), "PEFT sets it as an attribute, asdict() leaves it out");
            Map<String, Object> px =
                    PrefixTuningConfig.builder().numVirtualTokens(1).build().toMap();
            assertEquals(false, px.get("prefix_projection"));
            assertNull(px.get("encoder_hidden_size"));
            Map<String, Object> pe =
                    PromptEncoderConfig.builder().numVirtualTokens(1).build().toMap();
            assertEquals("MLP", pe.get("encoder_reparameterization_type"));
            assertEquals(2, pe.get("encoder_num_layers"));
            assertEquals(0.0, pe.get("encoder_dropout"));
        }

        @Test
        @DisplayName("validation messages name the key and what is expected")
        void validation() {
            assertMessage(() -> PromptEncoderConfig.builder().build(), "key 'num_virtual_tokens' must be set");
            assertMessage(
                    () -> PromptEncoderConfig.builder().numVirtualTokens(0).build(),
                    "key 'num_virtual_tokens': expected a positive integer");
            assertMessage(
                    () -> PeftConfig.fromJson("{\"peft_type\": \"P_TUNING\", \"num_virtual_tokens\": 4, "
                            + "\"encoder_reparameterization_type\": \"GRU\"}"),
                    "expected \"MLP\" or \"LSTM\"");
            assertMessage(
                    () -> PromptEncoderConfig.builder()
                            .numVirtualTokens(4)
                            .encoderDropout(1.5)
                            .build(),
                    "key 'encoder_dropout'");
            assertMessage(
                    () -> PromptTuningConfig.builder()
                            .numVirtualTokens(4)
                            .promptTuningInit("TEXT")
                            .promptTuningInitText("x")
                            .build(),
                    "When prompt_tuning_init='TEXT', tokenizer_name_or_path can't be None.");
            assertMessage(
                    () -> PromptTuningConfig.builder()
                            .numVirtualTokens(4)
                            .promptTuningInit("TEXT")
                            .tokenizerNameOrPath("t")
                            .build(),
                    "When prompt_tuning_init='TEXT', prompt_tuning_init_text can't be None.");
            assertMessage(
                    () -> PromptTuningConfig.builder()
                            .numVirtualTokens(4)
                            .tokenizerKwargs(Map.of("a", 1))
                            .build(),
                    "tokenizer_kwargs only valid when using prompt_tuning_init='TEXT'.");
            assertMessage(
                    () -> PeftConfig.fromJson("{\"peft_type\": \"PREFIX_TUNING\", \"num_virtual_tokens\": 4.5}"),
                    "key 'num_virtual_tokens': expected an integer, found the float 4.5");
        }

        @Test
        @DisplayName("TEXT init copies the word embeddings of the text's tokens (tokenizer.json), repeated to fit")
        void textInit(@TempDir Path dir) throws Exception {
            Tokenizers.writeWordLevel(dir, Map.of("<unk>", 0, "classify", 7, "this", 11, "review", 3));
            PromptTuningConfig fromText = PromptTuningConfig.builder()
                    .numVirtualTokens(5)
                    .taskType(TaskType.CAUSAL_LM)
                    .promptTuningInit("TEXT")
                    .promptTuningInitText("classify this review")
                    .tokenizerNameOrPath(dir.toString())
                    .build();
            assertEquals(
                    fromText,
                    Peft.promptTuning()
                            .virtualTokens(5)
                            .task(TaskType.CAUSAL_LM)
                            .initFromText("classify this review", dir.toString())
                            .build(),
                    "the fluent form");
            float[] viaTokenizer = textInitRows(fromText);
            float[] viaIds = textInitRows(PromptTuningConfig.builder()
                    .numVirtualTokens(5)
                    .taskType(TaskType.CAUSAL_LM)
                    .promptTuningInit("TEXT")
                    .promptTuningInitText("classify this review")
                    .tokenizerNameOrPath("not/read")
                    .initTokenIds(7, 11, 3)
                    .build());
            try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt())) {
                NDArray words = lm.model().decoder().embedTokens().weight().getArray();
                NDArray expected =
                        words.get(new NDIndex("{}", words.getManager().create(new long[] {7, 11, 3, 7, 11})));
                assertArrayEquals(expected.toFloatArray(), viaTokenizer, 0f, "tokenized from tokenizer.json");
                assertArrayEquals(expected.toFloatArray(), viaIds, 0f, "ids given");
            }
        }

        /** The prompt embedding's initial rows for {@code c} on tiny_opt. */
        private float[] textInitRows(PromptTuningConfig c) {
            try (PeftModel peft = PeftModel.getPeftModel(OptForCausalLM.fromPretrained(Golden.tinyOpt()), c)) {
                return ModuleTree.namedParameters(peft.promptEncoder("default"))
                        .get("embedding.weight")
                        .getArray()
                        .toFloatArray();
            }
        }

        @Test
        @DisplayName(
                "TEXT init without a readable tokenizer.json explains how to pass ids; prompt learning needs a task")
        void textWithoutIdsAndNoTask(@TempDir Path dir) {
            try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt())) {
                PromptTuningConfig c = PromptTuningConfig.builder()
                        .numVirtualTokens(4)
                        .taskType(TaskType.CAUSAL_LM)
                        .promptTuningInit("TEXT")
                        .promptTuningInitText("hi")
                        .tokenizerNameOrPath(dir.toString())
                        .build();
                assertMessage(() -> PeftModel.getPeftModel(lm, c), "no tokenizer.json in " + dir);
                assertMessage(() -> PeftModel.getPeftModel(lm, c), "initTokenIds");
                IllegalArgumentException e = assertThrows(
                        IllegalArgumentException.class,
                        () -> Peft.promptTuning().virtualTokens(4).apply(lm));
                assertTrue(
                        e.getMessage().contains("CAUSAL_LM") && e.getMessage().contains("SEQ_CLS"), e.getMessage());
            }
        }
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable run, String part) {
        RuntimeException e = assertThrows(RuntimeException.class, run);
        assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should contain '" + part + "'");
    }

    @Nested
    @DisplayName("roberta-large with the tutorial's p-tuning config, counted without weights")
    class Counting {

        @Test
        @DisplayName("trainable = prompt encoder + classifier copy; all counts the original head and its copy")
        void robertaLarge() {
            // roberta-large SEQ_CLS (2 labels): 355,361,794 parameters (RobertaForSequenceClassificationTest).
            // PEFT 0.10 SEQ_CLS wraps `classifier` in ModulesToSaveWrapper: + a copy of the head,
            //   dense 1024*1024 + 1024 = 1,049,600, out_proj 1024*2 + 2 = 2,050 -> 1,051,650 (trainable).
            // PromptEncoder (MLP, token_dim 1024, encoder_hidden_size 128, 20 virtual tokens):
            //   embedding 20*1024 = 20,480; mlp_head.0 1024*128 + 128 = 131,200; mlp_head.2 128*128 + 128 = 16,512;
            //   mlp_head.4 128*1024 + 1024 = 132,096 -> 300,288 (trainable).
            // get_nb_trainable_parameters iterates PeftModel.named_parameters(): base_model.* (frozen model, frozen
            // original head, trainable copy) and prompt_encoder.default.* (trainable).
            //   trainable = 300,288 + 1,051,650 = 1,351,938
            //   all = 355,361,794 + 1,051,650 + 300,288 = 356,713,732
            // (The tutorial prints all params 355,662,082 from an older PEFT, without the copy.)
            RobertaForSequenceClassification m =
                    new RobertaForSequenceClassification(RobertaConfig.named("roberta-large"));
            PeftModel peft = Peft.getPeftModel(
                    m,
                    PeftConfig.fromJson(ai.peft4j.PeftTutorialConfigsTestAccess.P_TUNING_EXAMPLE)
                            .withInferenceMode(false));
            assertInstanceOf(PeftModelForSequenceClassification.class, peft);
            assertEquals(
                    "trainable params: 1,351,938 || all params: 356,713,732 || trainable%: 0.3789980252288129",
                    peft.getNbTrainableParameters().toString());
            assertTrue(
                    ModuleTree.uniqueParameters(peft).values().stream().noneMatch(Parameter::isInitialized),
                    "nothing was allocated");
            Set<String> keys = ModuleTree.namedParameters(peft).keySet();
            assertTrue(keys.contains("prompt_encoder.default.embedding.weight"));
            assertTrue(keys.contains("prompt_encoder.default.mlp_head.4.bias"));
            assertTrue(keys.contains("base_model.classifier.modules_to_save.default.dense.weight"));
            assertTrue(keys.contains("base_model.classifier.original_module.out_proj.bias"));
            assertTrue(keys.contains("base_model.roberta.embeddings.word_embeddings.weight"));
            assertEquals(
                    new TreeSet<>(List.of(
                            "prompt_encoder.default.embedding.weight",
                            "prompt_encoder.default.mlp_head.0.weight",
                            "prompt_encoder.default.mlp_head.0.bias",
                            "prompt_encoder.default.mlp_head.2.weight",
                            "prompt_encoder.default.mlp_head.2.bias",
                            "prompt_encoder.default.mlp_head.4.weight",
                            "prompt_encoder.default.mlp_head.4.bias",
                            "base_model.classifier.modules_to_save.default.dense.weight",
                            "base_model.classifier.modules_to_save.default.dense.bias",
                            "base_model.classifier.modules_to_save.default.out_proj.weight",
                            "base_model.classifier.modules_to_save.default.out_proj.bias")),
                    new TreeSet<>(peft.trainableParameters().keySet()));
        }

        @Test
        @DisplayName("unset sizes are filled from config.json as _prepare_prompt_learning_config does")
        void filledFromModel() {
            RobertaForSequenceClassification m =
                    new RobertaForSequenceClassification(RobertaConfig.named("roberta-large"));
            PeftModel peft =
                    Peft.pTuning().virtualTokens(20).task(TaskType.SEQ_CLS).apply(m);
            PromptEncoderConfig c = (PromptEncoderConfig) peft.activePeftConfig();
            assertEquals(1024, c.tokenDim());
            assertEquals(24, c.numLayers());
            assertEquals(16, c.numAttentionHeads());
            assertEquals(1, c.numTransformerSubmodules());
            assertEquals(1024, c.encoderHiddenSize(), "encoder_hidden_size defaults to token_dim");
            assertEquals("roberta-large", c.baseModelNameOrPath());
            assertThrows(IllegalStateException.class, peft::baseModel);
            assertThrows(UnsupportedOperationException.class, peft::mergeAndUnload);
        }
    }

    @Nested
    @DisplayName("prompt tuning on tiny OPT")
    class OptPromptTuning {

        @Test
        @DisplayName("virtual tokens set to real tokens' embeddings give the base logits of the concatenated ids")
        void equalsConcatenatedIds() {
            try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt())) {
                PeftModelForCausalLM peft = (PeftModelForCausalLM) Peft.promptTuning()
                        .virtualTokens(3)
                        .task(TaskType.CAUSAL_LM)
                        .apply(lm);
                long[] virtual = {5, 17, 42};
                setVirtualTokensTo(
                        peft, lm.model().decoder().embedTokens().weight().getArray(), virtual);
                NDArray x = ids(new long[][] {{2, 10, 11, 12, 13}, {2, 30, 31, 32, 33}});
                NDArray joined = ids(new long[][] {{5, 17, 42, 2, 10, 11, 12, 13}, {5, 17, 42, 2, 30, 31, 32, 33}});
                NDArray mask = manager.ones(new Shape(2, 5), DataType.INT64);
                NDArray labels = x.duplicate();

                CausalLMOutput out = peft.forward(x, mask, labels);
                assertEquals(new Shape(2, 8, 64), out.logits().getShape(), "logits cover virtual + real positions");
                CausalLMOutput base;
                try (var off = peft.disableAdapter()) {
                    NDArray baseLabels = ids(
                            new long[][] {{-100, -100, -100, 2, 10, 11, 12, 13}, {-100, -100, -100, 2, 30, 31, 32, 33}
                            });
                    base = peft.forward(joined, manager.ones(new Shape(2, 8), DataType.INT64), baseLabels);
                }
                // Positions come from the extended mask (0..7), embeddings are the same rows: equal up to rounding.
                Golden.assertClose(base.logits(), out.logits(), 1e-5, "logits");
                assertEquals(base.loss().getFloat(), out.loss().getFloat(), 1e-5f, "labels prefixed with -100");
            }
        }

        @Test
        @DisplayName("the attention mask is extended with ones: padding in the input stays masked")
        void maskExtension() {
            try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt())) {
                PeftModelForCausalLM peft = (PeftModelForCausalLM) Peft.promptTuning()
                        .virtualTokens(2)
                        .task(TaskType.CAUSAL_LM)
                        .apply(lm);
                setVirtualTokensTo(
                        peft, lm.model().decoder().embedTokens().weight().getArray(), 7, 8);
                NDArray x = ids(new long[][] {{1, 1, 2, 10, 11}});
                NDArray mask = manager.create(new long[] {0, 0, 1, 1, 1}, new Shape(1, 5));
                NDArray out = peft.forward(x, mask, null).logits();
                NDArray base;
                try (var off = peft.disableAdapter()) {
                    base = peft.forward(
                                    ids(new long[][] {{7, 8, 1, 1, 2, 10, 11}}),
                                    manager.create(new long[] {1, 1, 0, 0, 1, 1, 1}, new Shape(1, 7)),
                                    null)
                            .logits();
                }
                Golden.assertClose(base.get(":, 4:, :"), out.get(":, 4:, :"), 1e-5, "real positions");
            }
        }
    }

    @Nested
    @DisplayName("prompt tuning on tiny RoBERTa")
    class RobertaPromptTuning {

        @Test
        @DisplayName("equals the base model on the concatenated ids; the head reads the first virtual token")
        void equalsConcatenatedIds() {
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromPretrained(tinyRoberta())) {
                PeftModelForSequenceClassification peft = (PeftModelForSequenceClassification) Peft.promptTuning()
                        .virtualTokens(2)
                        .task(TaskType.SEQ_CLS)
                        .apply(m);
                assertInstanceOf(ModulesToSaveWrapper.class, m.classifier());
                setVirtualTokensTo(peft, m.inputEmbeddings().weight().getArray(), 0, 9);
                NDArray x = ids(new long[][] {{5, 6, 7, 2}, {8, 9, 10, 2}});
                NDArray tokenTypes = manager.zeros(new Shape(2, 4), DataType.INT64);
                NDArray out = peft.forward(new SequenceClassifierInputs(
                                x, null, manager.ones(new Shape(2, 4), DataType.INT64), tokenTypes, null))
                        .logits();
                NDArray base;
                try (var off = peft.disableAdapter()) {
                    // inputs_embeds positions run pad+1..; ids without padding give the same positions.
                    base = peft.forward(ids(new long[][] {{0, 9, 5, 6, 7, 2}, {0, 9, 8, 9, 10, 2}}), null, null)
                            .logits();
                }
                Golden.assertClose(base, out, 1e-5, "logits");
            }
        }
    }

    @Nested
    @DisplayName("prefix tuning")
    class Prefix {

        @Test
        @DisplayName("OPT: a prefix hidden by the mask changes nothing (positions offset, keys masked)")
        void maskedPrefixOpt() {
            try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt())) {
                NDArray x = ids(new long[][] {{2, 10, 11, 12}});
                ParameterStore ps = new ParameterStore(manager, false);
                NDArray base = lm.forward(ps, LmInputs.of(x, null, null), false).logits();
                List<NDList> past = new ArrayList<>();
                for (int l = 0; l < 2; l++) {
                    past.add(new NDList(
                            manager.randomNormal(new Shape(1, 2, 3, 8)), manager.randomNormal(new Shape(1, 2, 3, 8))));
                }
                NDArray mask = manager.create(new long[] {0, 0, 0, 1, 1, 1, 1}, new Shape(1, 7));
                NDArray masked = lm.forward(ps, new LmInputs(x, null, mask, null, past), false)
                        .logits();
                Golden.assertClose(base, masked, 1e-6, "masked prefix");
                NDArray seen = lm.forward(ps, new LmInputs(x, null, null, null, past), false)
                        .logits();
                assertEquals(new Shape(1, 4, 64), seen.getShape());
                assertTrue(seen.sub(base).abs().max().getFloat() > 1e-3, "a visible prefix changes the logits");
            }
        }

        @Test
        @DisplayName("RoBERTa: ids positions are offset by the past length, as transformers does")
        void robertaPositionsAndMaskedPrefix() {
            NDArray positions = RobertaEmbeddings.positionIdsFromInputIds(ids(new long[][] {{1, 5, 6}}), 1, 3);
            assertArrayEquals(new long[] {1, 5, 6}, positions.toLongArray()); // ((cumsum [0,1,2] + 3) * [0,1,1]) + 1
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromPretrained(tinyRoberta())) {
                NDArray embeds = m.inputEmbeddings()
                        .forward(new ParameterStore(manager, false), ids(new long[][] {{0, 5, 6, 2}}), false);
                ParameterStore ps = new ParameterStore(manager, false);
                NDArray base = m.forward(ps, SequenceClassifierInputs.ofEmbeds(embeds, null, null), false)
                        .logits();
                List<NDList> past = new ArrayList<>();
                for (int l = 0; l < 2; l++) {
                    past.add(new NDList(
                            manager.randomNormal(new Shape(1, 2, 2, 8)), manager.randomNormal(new Shape(1, 2, 2, 8))));
                }
                NDArray mask = manager.create(new long[] {0, 0, 1, 1, 1, 1}, new Shape(1, 6));
                NDArray masked = m.forward(
                                ps, new SequenceClassifierInputs(null, embeds, mask, null, null, past), false)
                        .logits();
                Golden.assertClose(base, masked, 1e-6, "masked prefix, inputs_embeds positions not offset");
            }
        }

        @Test
        @DisplayName("PEFT forward: logits keep T positions; prefix layout is (2L, B, H, P, hd)")
        void peftForward() {
            try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt())) {
                PeftModelForCausalLM peft = (PeftModelForCausalLM) Peft.prefixTuning()
                        .virtualTokens(3)
                        .task(TaskType.CAUSAL_LM)
                        .apply(lm);
                assertEquals(
                        new Shape(3, 2 * 2 * 16),
                        peft.promptEncoder("default")
                                .embedding()
                                .weight()
                                .getArray()
                                .getShape());
                NDArray x = ids(new long[][] {{2, 10, 11, 12}, {2, 20, 21, 22}});
                CausalLMOutput out = peft.forward(x, manager.ones(new Shape(2, 4), DataType.INT64), x);
                assertEquals(new Shape(2, 4, 64), out.logits().getShape());
                // The same prefix fed by hand: row p of the table viewed as (2L, H, hd), key of layer l at 2l.
                NDArray table =
                        peft.promptEncoder("default").embedding().weight().getArray();
                NDArray kv =
                        table.reshape(1, 3, 4, 2, 8).transpose(2, 0, 3, 1, 4).repeat(1, 2);
                List<NDList> past = List.of(new NDList(kv.get(0), kv.get(1)), new NDList(kv.get(2), kv.get(3)));
                NDArray byHand = lm.forward(
                                new ParameterStore(manager, false), new LmInputs(x, null, null, null, past), false)
                        .logits();
                Golden.assertClose(byHand, out.logits(), 1e-6, "prefix layout");
            }
        }
    }

    @Nested
    @DisplayName("save and load")
    class SaveLoad {

        @Test
        @DisplayName("p-tuning SEQ_CLS: prompt_embeddings (encoder output) + classifier copy; reload gives same logits")
        void pTuningRoberta(@TempDir Path dir) throws Exception {
            NDArray x = ids(new long[][] {{0, 5, 6, 7, 2}, {0, 8, 9, 1, 1}});
            NDArray mask = manager.create(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new Shape(2, 5));
            float[] trained;
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromPretrained(tinyRoberta())) {
                PeftModelForSequenceClassification peft = (PeftModelForSequenceClassification) Peft.pTuning()
                        .virtualTokens(4)
                        .encoderHiddenSize(8)
                        .task(TaskType.SEQ_CLS)
                        .apply(m);
                trained = peft.forward(x, mask, null).logits().toFloatArray();
                peft.savePretrained(dir);
            }
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
                assertEquals(
                        new TreeSet<>(List.of(
                                "prompt_embeddings",
                                "base_model.classifier.dense.weight",
                                "base_model.classifier.dense.bias",
                                "base_model.classifier.out_proj.weight",
                                "base_model.classifier.out_proj.bias")),
                        new TreeSet<>(f.names()));
                assertArrayEquals(
                        new long[] {4, 16}, f.info("prompt_embeddings").shape());
            }
            String json = Files.readString(dir.resolve("adapter_config.json"));
            assertTrue(
                    json.contains("\"token_dim\": 16")
                            && json.contains("\"num_layers\": 2")
                            && json.contains("\"inference_mode\": true")
                            && json.contains("\"encoder_hidden_size\": 8"),
                    json);

            try (RobertaForSequenceClassification fresh =
                    RobertaForSequenceClassification.fromPretrained(tinyRoberta())) {
                IllegalArgumentException e =
                        assertThrows(IllegalArgumentException.class, () -> PeftModel.fromPretrained(fresh, dir, true));
                assertTrue(
                        e.getMessage().contains("Cannot set a prompt learning adapter to trainable"), e.getMessage());
                assertInstanceOf(
                        RobertaClassificationHead.class, fresh.classifier(), "refused before touching the model");

                PeftModelForSequenceClassification loaded =
                        (PeftModelForSequenceClassification) PeftModel.fromPretrained(fresh, dir);
                PromptEncoder enc = (PromptEncoder) loaded.promptEncoder("default");
                assertFalse(enc.hasHeads(), "inference mode: only the embedding, holding the saved output");
                assertArrayEquals(
                        trained, loaded.forward(x, mask, null).logits().toFloatArray(), 1e-6f);
                assertEquals(0, loaded.getNbTrainableParameters().trainable());
                // Saving the loaded adapter writes the same embeddings again.
                Path again = dir.resolve("again");
                loaded.savePretrained(again);
                try (SafetensorsFile a = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
                        SafetensorsFile b = SafetensorsFile.open(again.resolve("adapter_model.safetensors"))) {
                    assertArrayEquals(
                            a.toNDArray("prompt_embeddings", manager).toFloatArray(),
                            b.toNDArray("prompt_embeddings", manager).toFloatArray(),
                            0f);
                }
            }
        }

        @Test
        @DisplayName("a load that does not fit leaves the model unchanged")
        void failedLoad(@TempDir Path dir) {
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromPretrained(tinyRoberta())) {
                Peft.promptTuning()
                        .virtualTokens(4)
                        .task(TaskType.SEQ_CLS)
                        .apply(m)
                        .savePretrained(dir);
            }
            PromptTuningConfig c = PromptTuningConfig.SCHEMA.fromPretrained(dir);
            c.toBuilder().numVirtualTokens(5).build().savePretrained(dir);
            try (RobertaForSequenceClassification fresh =
                    RobertaForSequenceClassification.fromPretrained(tinyRoberta())) {
                Map<String, Boolean> before = new LinkedHashMap<>();
                ModuleTree.namedParameters(fresh).forEach((k, p) -> before.put(k, p.requiresGradient()));
                IllegalArgumentException e =
                        assertThrows(IllegalArgumentException.class, () -> PeftModel.fromPretrained(fresh, dir));
                assertTrue(e.getMessage().contains("prompt_embeddings"), e.getMessage());
                assertInstanceOf(RobertaClassificationHead.class, fresh.classifier());
                Map<String, Boolean> after = new LinkedHashMap<>();
                ModuleTree.namedParameters(fresh).forEach((k, p) -> after.put(k, p.requiresGradient()));
                assertEquals(before, after);
            }
        }

        @Test
        @DisplayName("prefix tuning with projection and LSTM p-tuning on OPT reload to the same logits")
        void prefixAndLstmOpt(@TempDir Path dir) throws Exception {
            NDArray x = ids(new long[][] {{2, 10, 11, 12, 13}});
            for (PeftConfig config : List.of(
                    PrefixTuningConfig.builder()
                            .numVirtualTokens(3)
                            .prefixProjection(true)
                            .encoderHiddenSize(12)
                            .taskType(TaskType.CAUSAL_LM)
                            .build(),
                    PromptEncoderConfig.builder()
                            .numVirtualTokens(3)
                            .encoderHiddenSize(6)
                            .encoderReparameterizationType("LSTM")
                            .taskType(TaskType.CAUSAL_LM)
                            .build())) {
                Path out = dir.resolve(config.peftType().name());
                float[] expected;
                try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt())) {
                    PeftModelForCausalLM peft = (PeftModelForCausalLM) PeftModel.getPeftModel(lm, config);
                    expected = peft.forward(x, null, null).logits().toFloatArray();
                    peft.savePretrained(out);
                }
                try (SafetensorsFile f = SafetensorsFile.open(out.resolve("adapter_model.safetensors"))) {
                    assertEquals(List.of("prompt_embeddings"), new ArrayList<>(f.names()));
                    long width = config instanceof PrefixTuningConfig ? 2 * 2 * 16 : 16;
                    assertArrayEquals(
                            new long[] {3, width}, f.info("prompt_embeddings").shape());
                }
                try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt())) {
                    PeftModelForCausalLM loaded = (PeftModelForCausalLM) PeftModel.fromPretrained(lm, out);
                    assertArrayEquals(
                            expected,
                            loaded.forward(x, null, null).logits().toFloatArray(),
                            1e-5f,
                            config.peftType().name());
                }
            }
        }
    }

    @Test
    @DisplayName("the LSTM head computes what torch::lstm computes with PyTorch's parameter order")
    void lstmMatchesTorch() {
        ai.peft4j.nn.Lstm lstm = new ai.peft4j.nn.Lstm(5, 3, 2, 0.0, true, new java.util.Random(1));
        for (Parameter p : lstm.getParameters().values()) {
            p.initialize(manager, DataType.FLOAT32);
        }
        NDArray x = manager.randomNormal(new Shape(2, 4, 5));
        NDArray mine = lstm.forward(new ParameterStore(manager, false), x, false);
        NDList params = new NDList();
        for (String sfx : List.of("_l0", "_l0_reverse", "_l1", "_l1_reverse")) {
            for (String w : List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh")) {
                params.add(lstm.namedDirectParameters().get(w + sfx).getArray());
            }
        }
        NDList hx = new NDList(manager.zeros(new Shape(4, 2, 3)), manager.zeros(new Shape(4, 2, 3)));
        NDArray torch = x.getNDArrayInternal()
                .lstm(x, hx, params, true, 2, 0.0, false, true, true)
                .get(0);
        assertEquals(new Shape(2, 4, 6), mine.getShape());
        Golden.assertClose(torch, mine, 1e-6, "lstm");
    }

    @Nested
    @DisplayName("training")
    class Training {

        @Test
        @DisplayName("p-tuning SEQ_CLS: loss falls, only the prompt encoder and the classifier copy change")
        void trainLoop() {
            try (RobertaForSequenceClassification m = RobertaForSequenceClassification.fromPretrained(tinyRoberta())) {
                Map<String, float[]> baseBefore = new LinkedHashMap<>();
                ModuleTree.namedParameters(m)
                        .forEach((k, p) -> baseBefore.put(k, p.getArray().toFloatArray()));
                PeftModelForSequenceClassification peft = (PeftModelForSequenceClassification) Peft.pTuning()
                        .virtualTokens(4)
                        .encoderHiddenSize(16)
                        .task(TaskType.SEQ_CLS)
                        .apply(m);
                Map<String, float[]> peftBefore = new LinkedHashMap<>();
                ModuleTree.namedParameters(peft)
                        .forEach((k, p) -> peftBefore.put(k, p.getArray().toFloatArray()));
                NDArray x = ids(new long[][] {{0, 5, 6, 2}, {0, 7, 8, 2}, {0, 9, 10, 2}, {0, 11, 12, 2}});
                NDArray y = manager.create(new long[] {0, 1, 0, 1});
                float first = 0;
                float last = 0;
                for (int step = 0; step < 40; step++) {
                    try (NDManager stepManager = manager.newSubManager()) {
                        NDArray xs = x.duplicate();
                        xs.attach(stepManager);
                        NDArray ys = y.duplicate();
                        ys.attach(stepManager);
                        ParameterStore ps = new ParameterStore(stepManager, false);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray loss = peft.forward(ps, SequenceClassifierInputs.of(xs, null, ys), true)
                                    .loss();
                            gc.backward(loss);
                            if (step == 0) {
                                first = loss.getFloat();
                            }
                            last = loss.getFloat();
                        }
                        for (Parameter p : peft.trainableParameters().values()) {
                            NDArray grad = p.getArray().getGradient();
                            p.getArray().subi(grad.mul(0.1f));
                            grad.subi(grad);
                        }
                    }
                }
                assertTrue(last < first * 0.7, "loss fell from " + first + " to " + last);
                Map<String, float[]> after = new LinkedHashMap<>();
                ModuleTree.namedParameters(peft)
                        .forEach((k, p) -> after.put(k, p.getArray().toFloatArray()));
                for (String k : after.keySet()) {
                    boolean changed = !java.util.Arrays.equals(peftBefore.get(k), after.get(k));
                    boolean shouldChange = k.startsWith("prompt_encoder.default.")
                            || k.startsWith("base_model.classifier.modules_to_save.default.");
                    if (shouldChange) {
                        assertTrue(changed || k.endsWith("bias"), k + " should have trained");
                    } else {
                        assertFalse(changed, k + " must stay frozen");
                    }
                }
                assertArrayEquals(
                        baseBefore.get("classifier.dense.weight"),
                        after.get("base_model.classifier.original_module.dense.weight"),
                        0f);
            }
        }
    }
}
