package ai.peft4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.peft4j.io.safetensors.Dtype;
import ai.peft4j.io.safetensors.SafetensorsException;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.io.safetensors.SafetensorsWriter;
import ai.peft4j.io.safetensors.ShardedSafetensorsWriter;
import ai.peft4j.io.safetensors.Tensor;
import ai.peft4j.io.safetensors.TensorInfo;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.SpecialFiles;
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

@DisplayName("Loading a model checkpoint")
class CheckpointLoadingTest {

    static final String LAST_BIAS = "model.decoder.layers.1.final_layer_norm.bias";

    static OptConfig tinyConfig() {
        return OptConfig.builder()
                .set("vocab_size", 40)
                .set("hidden_size", 16)
                .set("word_embed_proj_dim", 16)
                .set("num_hidden_layers", 2)
                .set("num_attention_heads", 2)
                .set("ffn_dim", 32)
                .set("max_position_embeddings", 32)
                .set("dropout", 0.0)
                .build();
    }

    /** Saves a seeded tiny OPT to {@code dir}. */
    static void saveTiny(Path dir, long seed) {
        try (OptForCausalLM lm = OptForCausalLM.fromConfig(tinyConfig(), seed)) {
            lm.savePretrained(dir);
        }
    }

    /** Rewrites every tensor of {@code file} through {@code change} (name and values in, tensor out). */
    static void rewrite(Path file, Function<TensorInfo, Function<float[], Tensor>> change) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (TensorInfo t : f.infos()) {
                out.put(t.name(), change.apply(t).apply(f.floats(t.name())));
            }
        }
        SafetensorsWriter.write(file, out, Map.of("format", "pt"));
    }

    static Map<String, float[]> values(PreTrainedModel m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        ModuleTree.uniqueParameters(m).forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    @Nested
    @DisplayName("with tensors that are not float32")
    class Dtypes {

        @Test
        @DisplayName("refuses an integer tensor, naming the file, the key, the dtype found and the one expected")
        void integerTensor(@TempDir Path dir) throws IOException {
            saveTiny(dir, 1);
            Path file = dir.resolve("model.safetensors");
            rewrite(
                    file,
                    t -> t.name().equals(LAST_BIAS)
                            ? v -> Tensor.ofLongs(new long[v.length], t.shape())
                            : v -> Tensor.ofFloats(v, t.shape()));

            WeightLoadException e =
                    assertThrows(WeightLoadException.class, () -> AutoModelForCausalLM.fromPretrained(dir));
            assertEquals(1, e.wrongDtypeKeys().size(), e.getMessage());
            String problem = e.wrongDtypeKeys().get(0);
            assertTrue(
                    problem.contains(LAST_BIAS)
                            && problem.contains("I64")
                            && problem.contains(file.toString())
                            && problem.contains("expected F32"),
                    problem);
            assertTrue(e.getMessage().contains(problem), e.getMessage());
        }

        @Test
        @DisplayName("refuses a bool tensor and leaves a model that has weights as it was")
        void boolTensorLeavesModelUnchanged(@TempDir Path dir) throws IOException {
            saveTiny(dir, 1);
            rewrite(
                    dir.resolve("model.safetensors"),
                    t -> t.name().equals(LAST_BIAS)
                            ? v -> Tensor.ofBooleans(new boolean[v.length], t.shape())
                            : v -> Tensor.ofFloats(v, t.shape()));
            try (OptForCausalLM lm = OptForCausalLM.fromConfig(tinyConfig(), 2)) {
                Map<String, float[]> before = values(lm);

                WeightLoadException e = assertThrows(WeightLoadException.class, () -> lm.loadWeights(dir));
                assertTrue(e.getMessage().contains(LAST_BIAS + ": BOOL"), e.getMessage());
                Map<String, float[]> after = values(lm);
                before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k));
            }
        }

        @Test
        @DisplayName("converts F64 tensors to the model's float32, and the forward pass gives the saved model's logits")
        void float64Converted(@TempDir Path dir) throws IOException {
            saveTiny(dir, 3);
            rewrite(dir.resolve("model.safetensors"), t -> v -> {
                double[] d = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    d[i] = v[i];
                }
                return Tensor.ofDoubles(d, t.shape());
            });
            try (OptForCausalLM saved = OptForCausalLM.fromConfig(tinyConfig(), 3);
                    PreTrainedCausalLM loaded = AutoModelForCausalLM.fromPretrained(dir);
                    NDManager m = NDManager.newBaseManager()) {
                ModuleTree.uniqueParameters(loaded)
                        .forEach((k, p) ->
                                assertEquals(DataType.FLOAT32, p.getArray().getDataType(), k));
                long[][] ids = {{2, 5, 9, 11, 3}};
                float[] expected =
                        saved.forward(m.create(ids), null, null).logits().toFloatArray();
                float[] actual =
                        loaded.forward(m.create(ids), null, null).logits().toFloatArray();
                assertArrayEquals(expected, actual);
            }
        }
    }

    @Test
    @DisplayName("lists every missing key, but the message only the first 20 and how many")
    void manyMissingKeys(@TempDir Path dir) {
        saveTiny(dir, 1);
        OptConfig deep = OptConfig.builder()
                .set("vocab_size", 40)
                .set("hidden_size", 16)
                .set("word_embed_proj_dim", 16)
                .set("num_hidden_layers", 12)
                .set("num_attention_heads", 2)
                .set("ffn_dim", 32)
                .set("max_position_embeddings", 32)
                .build();
        try (OptForCausalLM lm = new OptForCausalLM(deep)) {
            WeightLoadException e = assertThrows(WeightLoadException.class, () -> lm.loadWeights(dir));
            assertEquals(10 * 16, e.missingKeys().size());
            assertTrue(e.getMessage().contains(", ... (160 in all)]"), e.getMessage());
            assertTrue(e.getMessage().length() < 2000, e.getMessage());
        }
    }

    @Nested
    @DisplayName("from paths that are not regular files")
    class NotRegularFiles {

        @Test
        @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        @DisplayName("refuses a FIFO named model.safetensors instead of waiting for a writer")
        void fifoWeights(@TempDir Path dir) {
            tinyConfig().save(dir);
            SpecialFiles.mkfifo(dir.resolve("model.safetensors"));

            WeightLoadException e =
                    assertThrows(WeightLoadException.class, () -> AutoModelForCausalLM.fromPretrained(dir));
            SafetensorsException cause = assertInstanceOf(SafetensorsException.class, e.getCause());
            assertEquals(SafetensorsException.Problem.NOT_A_REGULAR_FILE, cause.problem());
            assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        }

        @Test
        @DisplayName("refuses a directory named model.safetensors")
        void directoryWeights(@TempDir Path dir) throws IOException {
            tinyConfig().save(dir);
            Files.createDirectory(dir.resolve("model.safetensors"));

            WeightLoadException e =
                    assertThrows(WeightLoadException.class, () -> AutoModelForCausalLM.fromPretrained(dir));
            assertTrue(e.getMessage().contains("is a directory, not a regular file"), e.getMessage());
        }

        @Test
        @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        @DisplayName("refuses a FIFO named config.json")
        void fifoConfig(@TempDir Path dir) {
            SpecialFiles.mkfifo(dir.resolve("config.json"));

            ModelConfigException e =
                    assertThrows(ModelConfigException.class, () -> AutoModelForCausalLM.fromPretrained(dir));
            assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        }

        @Test
        @DisplayName("says a config.json that is not UTF-8 is not UTF-8")
        void notUtf8Config(@TempDir Path dir) throws IOException {
            Files.write(dir.resolve("config.json"), new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'});

            ModelConfigException e =
                    assertThrows(ModelConfigException.class, () -> AutoModelForCausalLM.fromPretrained(dir));
            assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
        }
    }

    @Nested
    @DisplayName("reading the weights")
    class Reading {

        @Test
        @DisplayName("a checkpoint in several shards (read in parallel) gives the values of the single file")
        void shardsGiveTheSingleFileValues(@TempDir Path dir) throws IOException {
            Path single = dir.resolve("single");
            Path sharded = dir.resolve("sharded");
            saveTiny(single, 3);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            try (SafetensorsFile f = SafetensorsFile.open(single.resolve("model.safetensors"))) {
                for (TensorInfo t : f.infos()) {
                    tensors.put(t.name(), Tensor.ofFloats(f.floats(t.name()), t.shape()));
                }
            }
            Files.createDirectories(sharded);
            Files.copy(single.resolve("config.json"), sharded.resolve("config.json"));
            int files = ShardedSafetensorsWriter.write(sharded, tensors, Map.of("format", "pt"), 4_000)
                    .size();
            assertTrue(files > 4, "several shards: " + files);
            try (var a = AutoModelForCausalLM.fromPretrained(single);
                    var b = AutoModelForCausalLM.fromPretrained(sharded)) {
                Map<String, float[]> expected = values(a);
                Map<String, float[]> actual = values(b);
                assertEquals(expected.keySet(), actual.keySet());
                expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), k));
            }
        }

        @Test
        @DisplayName("float16 and bfloat16 weights are widened exactly, also into a model that has weights")
        void halfPrecisionWidened(@TempDir Path dir) throws IOException {
            saveTiny(dir, 4);
            rewrite(
                    dir.resolve("model.safetensors"),
                    t -> v -> Tensor.ofFloats(t.name().contains("fc") ? Dtype.BF16 : Dtype.F16, v, t.shape()));
            Map<String, float[]> expected = new LinkedHashMap<>();
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                for (TensorInfo t : f.infos()) {
                    expected.put(t.name(), f.floats(t.name()));
                }
            }
            try (OptForCausalLM lm = OptForCausalLM.fromPretrained(dir)) {
                assertValues(expected, values(lm));
                try (OptForCausalLM other = OptForCausalLM.fromConfig(tinyConfig(), 5)) {
                    other.loadWeights(dir); // copies into the arrays the model already has
                    assertValues(expected, values(other));
                }
            }
        }

        private static void assertValues(Map<String, float[]> expected, Map<String, float[]> actual) {
            assertEquals(expected.keySet(), actual.keySet());
            actual.forEach((k, v) -> assertArrayEquals(expected.get(k), v, k));
        }
    }
}
