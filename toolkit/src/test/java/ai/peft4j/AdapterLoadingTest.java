package ai.peft4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.safetensors.SafetensorsException;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.io.safetensors.SafetensorsWriter;
import ai.peft4j.io.safetensors.Tensor;
import ai.peft4j.io.safetensors.TensorInfo;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.SpecialFiles;
import ai.peft4j.tuners.AdapterLoadException;
import ai.peft4j.tuners.Initialization;
import ai.peft4j.tuners.lora.LoraConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Loading a saved adapter")
class AdapterLoadingTest {

    static final String LAST_B = "base_model.model.model.decoder.layers.1.self_attn.v_proj.lora_B.weight";
    static final long[][] IDS = {{2, 5, 9, 11, 3}};

    static OptForCausalLM base() {
        return OptForCausalLM.fromConfig(
                OptConfig.builder()
                        .set("vocab_size", 40)
                        .set("hidden_size", 16)
                        .set("word_embed_proj_dim", 16)
                        .set("num_hidden_layers", 2)
                        .set("num_attention_heads", 2)
                        .set("ffn_dim", 32)
                        .set("max_position_embeddings", 32)
                        .set("dropout", 0.0)
                        .build(),
                1);
    }

    /** Saves a seeded LoRA adapter (non-zero B, so it changes the logits) and returns its logits. */
    static float[] saveAdapter(Path dir) {
        Initialization.manualSeed(7);
        LoraConfig config = LoraConfig.builder()
                .r(4)
                .loraAlpha(8)
                .targetModules("q_proj", "v_proj")
                .taskType(TaskType.CAUSAL_LM)
                .initLoraWeights(false)
                .build();
        try (PeftModel peft = Peft.getPeftModel(base(), config);
                NDManager m = NDManager.newBaseManager()) {
            peft.savePretrained(dir);
            return ((PeftModelForCausalLM) peft)
                    .forward(m.create(IDS), null, null)
                    .logits()
                    .toFloatArray();
        }
    }

    static void rewrite(Path file, Function<TensorInfo, Function<float[], Tensor>> change) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (TensorInfo t : f.infos()) {
                out.put(t.name(), change.apply(t).apply(f.floats(t.name())));
            }
        }
        SafetensorsWriter.write(file, out, Map.of("format", "pt"));
    }

    /** Every module's path and class, and every parameter's values: what "unchanged" means. */
    static Map<String, Object> snapshot(OptForCausalLM m) {
        Map<String, Object> out = new LinkedHashMap<>();
        ModuleTree.namedModules(m)
                .forEach((k, b) -> out.put("module " + k, b.getClass().getName()));
        ModuleTree.namedParameters(m)
                .forEach((k, p) ->
                        out.put(k, java.util.Arrays.toString(p.getArray().toFloatArray())));
        return out;
    }

    @Nested
    @DisplayName("with tensors that are not float32")
    class Dtypes {

        @Test
        @DisplayName(
                "refuses an integer tensor, naming the file, the key and both dtypes, and gives the model back unchanged")
        void integerTensor(@TempDir Path dir) throws IOException {
            saveAdapter(dir);
            Path file = dir.resolve("adapter_model.safetensors");
            rewrite(
                    file,
                    t -> t.name().equals(LAST_B)
                            ? v -> Tensor.ofInts(new int[v.length], t.shape())
                            : v -> Tensor.ofFloats(v, t.shape()));
            try (OptForCausalLM base = base()) {
                Map<String, Object> before = snapshot(base);

                AdapterLoadException e =
                        assertThrows(AdapterLoadException.class, () -> PeftModel.fromPretrained(base, dir));
                assertTrue(
                        e.getMessage().contains(file.toString())
                                && e.getMessage().contains(LAST_B + ": I32, expected F32"),
                        e.getMessage());
                assertEquals(before, snapshot(base));
            }
        }

        @Test
        @DisplayName("converts F64 tensors to float32, and the adapter gives the saved adapter's logits")
        void float64Converted(@TempDir Path dir) throws IOException {
            float[] expected = saveAdapter(dir);
            rewrite(dir.resolve("adapter_model.safetensors"), t -> v -> {
                double[] d = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    d[i] = v[i];
                }
                return Tensor.ofDoubles(d, t.shape());
            });
            try (PeftModel peft = PeftModel.fromPretrained(base(), dir);
                    NDManager m = NDManager.newBaseManager()) {
                ModuleTree.namedParameters(peft)
                        .forEach((k, p) ->
                                assertEquals(DataType.FLOAT32, p.getArray().getDataType(), k));
                float[] actual = ((PeftModelForCausalLM) peft)
                        .forward(m.create(IDS), null, null)
                        .logits()
                        .toFloatArray();
                assertArrayEquals(expected, actual);
            }
        }
    }

    @Nested
    @DisplayName("with an adapter_config.json that asks for too much")
    class TooLarge {

        @Test
        @DisplayName("refuses a LoRA rank whose weights cannot be held, naming r, and gives the model back unchanged")
        void hugeRank(@TempDir Path dir) throws IOException {
            saveAdapter(dir);
            Path config = dir.resolve("adapter_config.json");
            Files.writeString(config, Files.readString(config).replace("\"r\": 4", "\"r\": 200000000"));
            try (OptForCausalLM base = base()) {
                Map<String, Object> before = snapshot(base);

                PeftConfigException e =
                        assertThrows(PeftConfigException.class, () -> PeftModel.fromPretrained(base, dir));
                assertTrue(
                        e.getMessage().contains("(200000000, 16)")
                                && e.getMessage().contains("'r'"),
                        e.getMessage());
                assertEquals(before, snapshot(base));
            }
        }

        @Test
        @DisplayName("refuses a rank_pattern too large to hold on a layer wrapped after others, and unwraps those")
        void hugeRankOnALaterLayer(@TempDir Path dir) throws IOException {
            saveAdapter(dir);
            Files.writeString(
                    dir.resolve("adapter_config.json"),
                    "{\"peft_type\": \"LORA\", \"r\": 4,"
                            + " \"target_modules\": [\"q_proj\", \"fc1\"], \"rank_pattern\": {\"fc1\": 1000000000}}");
            try (OptForCausalLM base = base()) {
                Map<String, Object> before = snapshot(base);

                PeftConfigException e =
                        assertThrows(PeftConfigException.class, () -> PeftModel.fromPretrained(base, dir));
                assertTrue(e.getMessage().contains("(1000000000, 16)"), e.getMessage());
                assertEquals(before, snapshot(base));
            }
        }

        @Test
        @DisplayName("refuses a rank too large to hold on a LoRA embedding, naming r (a fuzzer finding)")
        void hugeRankOnAnEmbedding(@TempDir Path dir) throws IOException {
            saveAdapter(dir);
            Files.writeString(
                    dir.resolve("adapter_config.json"),
                    "{\"peft_type\": \"LORA\", \"r\": 4,"
                            + " \"target_modules\": [\"embed_tokens\"], \"rank_pattern\": {\"embed_tokens\": 1000000000}}");
            try (OptForCausalLM base = base()) {
                Map<String, Object> before = snapshot(base);

                PeftConfigException e =
                        assertThrows(PeftConfigException.class, () -> PeftModel.fromPretrained(base, dir));
                assertTrue(e.getMessage().contains("'r'"), e.getMessage());
                assertEquals(before, snapshot(base));
            }
        }

        @Test
        @DisplayName("refuses num_virtual_tokens whose prompt embedding cannot be held, naming the key")
        void hugePrompt(@TempDir Path dir) throws IOException {
            saveAdapter(dir);
            Files.writeString(
                    dir.resolve("adapter_config.json"),
                    "{\"peft_type\": \"PROMPT_TUNING\","
                            + " \"task_type\": \"CAUSAL_LM\", \"num_virtual_tokens\": 1073741824}");
            try (OptForCausalLM base = base()) {
                Map<String, Object> before = snapshot(base);

                PeftConfigException e =
                        assertThrows(PeftConfigException.class, () -> PeftModel.fromPretrained(base, dir));
                assertTrue(e.getMessage().contains("num_virtual_tokens"), e.getMessage());
                assertEquals(before, snapshot(base));
            }
        }
    }

    @Test
    @DisplayName("loads lora_dropout 1.0, which PyTorch's nn.Dropout accepts")
    void dropoutOne(@TempDir Path dir) throws IOException {
        saveAdapter(dir);
        Path config = dir.resolve("adapter_config.json");
        Files.writeString(config, Files.readString(config).replace("\"lora_dropout\": 0.0", "\"lora_dropout\": 1.0"));
        try (PeftModel peft = PeftModel.fromPretrained(base(), dir)) {
            assertEquals(1.0, ((LoraConfig) peft.peftConfig().get("default")).loraDropout());
        }
    }

    @Nested
    @DisplayName("from paths that are not regular files")
    class NotRegularFiles {

        @Test
        @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        @DisplayName("refuses a FIFO named adapter_model.safetensors instead of waiting for a writer")
        void fifoWeights(@TempDir Path dir) throws IOException {
            saveAdapter(dir);
            Files.delete(dir.resolve("adapter_model.safetensors"));
            SpecialFiles.mkfifo(dir.resolve("adapter_model.safetensors"));
            try (OptForCausalLM base = base()) {
                Map<String, Object> before = snapshot(base);

                AdapterLoadException e =
                        assertThrows(AdapterLoadException.class, () -> PeftModel.fromPretrained(base, dir));
                SafetensorsException cause = assertInstanceOf(SafetensorsException.class, e.getCause());
                assertEquals(SafetensorsException.Problem.NOT_A_REGULAR_FILE, cause.problem());
                assertEquals(before, snapshot(base));
            }
        }

        @Test
        @DisplayName("refuses a directory named adapter_model.safetensors")
        void directoryWeights(@TempDir Path dir) throws IOException {
            saveAdapter(dir);
            Files.delete(dir.resolve("adapter_model.safetensors"));
            Files.createDirectory(dir.resolve("adapter_model.safetensors"));
            try (OptForCausalLM base = base()) {
                AdapterLoadException e =
                        assertThrows(AdapterLoadException.class, () -> PeftModel.fromPretrained(base, dir));
                assertTrue(e.getMessage().contains("is a directory, not a regular file"), e.getMessage());
            }
        }

        @Test
        @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        @DisplayName("refuses a FIFO named adapter_config.json")
        void fifoConfig(@TempDir Path dir) {
            SpecialFiles.mkfifo(dir.resolve("adapter_config.json"));

            assertThrows(PeftConfigException.class, () -> PeftConfig.fromPretrained(dir));
        }

        @Test
        @DisplayName("says an adapter_config.json that is not UTF-8 is not UTF-8")
        void notUtf8Config(@TempDir Path dir) throws IOException {
            Files.write(
                    dir.resolve("adapter_config.json"),
                    new byte[] {'{', '"', 'r', '"', ':', ' ', '"', (byte) 0xe9, '"', '}'});

            PeftConfigException e = assertThrows(PeftConfigException.class, () -> PeftConfig.fromPretrained(dir));
            assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
        }
    }
}
