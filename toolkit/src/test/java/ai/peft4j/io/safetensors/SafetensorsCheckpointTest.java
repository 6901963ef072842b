package ai.peft4j.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.peft4j.io.safetensors.SafetensorsException.Problem;
import ai.peft4j.testing.Golden;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Checkpoint directories (single file and sharded)")
class SafetensorsCheckpointTest {
    @TempDir
    Path dir;

    /** Four F32 tensors of 16, 16, 8 and 4 bytes in this order. */
    static Map<String, Tensor> tensors() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("layer.0.weight", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2));
        t.put("layer.0.bias", Tensor.ofFloats(new float[] {5, 6, 7, 8}, 4));
        t.put("layer.1.weight", Tensor.ofFloats(new float[] {9, 10}, 1, 2));
        t.put("layer.1.bias", Tensor.ofFloats(new float[] {11}, 1));
        return t;
    }

    @Nested
    @DisplayName("sharded writing, transformers style")
    class Writing {
        @Test
        void splitsWhenTheNextTensorWouldOverflowTheShard() throws Exception {
            // 16 | 16 + 8 = 24 (fits exactly) | 4: three shards.
            List<Path> written = ShardedSafetensorsWriter.write(dir, tensors(), Map.of("format", "pt"), 24);
            assertEquals(
                    List.of(
                            dir.resolve("model-00001-of-00003.safetensors"),
                            dir.resolve("model-00002-of-00003.safetensors"),
                            dir.resolve("model-00003-of-00003.safetensors"),
                            dir.resolve("model.safetensors.index.json")),
                    written);
            String index = Files.readString(dir.resolve("model.safetensors.index.json"));
            assertEquals(
                    "{\n"
                            + "  \"metadata\": {\n"
                            + "    \"total_size\": 44\n"
                            + "  },\n"
                            + "  \"weight_map\": {\n"
                            + "    \"layer.0.bias\": \"model-00002-of-00003.safetensors\",\n"
                            + "    \"layer.0.weight\": \"model-00001-of-00003.safetensors\",\n"
                            + "    \"layer.1.bias\": \"model-00003-of-00003.safetensors\",\n"
                            + "    \"layer.1.weight\": \"model-00002-of-00003.safetensors\"\n"
                            + "  }\n"
                            + "}\n",
                    index);
        }

        @Test
        void oneShardIsASingleFileWithoutIndex() throws Exception {
            List<Path> written = ShardedSafetensorsWriter.write(dir, tensors(), Map.of("format", "pt"), 1_000_000);
            assertEquals(List.of(dir.resolve("model.safetensors")), written);
            try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
                assertEquals(1, c.shards().size());
                assertEquals(4, c.names().size());
            }
        }
    }

    @Nested
    @DisplayName("reading")
    class Reading {
        @Test
        void readsAllNamesAcrossShards() throws Exception {
            ShardedSafetensorsWriter.write(dir, tensors(), Map.of("format", "pt"), 32);
            try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir);
                    NDManager m = NDManager.newBaseManager()) {
                assertEquals(2, c.shards().size());
                assertEquals("44", c.indexMetadata().get("total_size"));
                assertEquals(List.of("layer.0.bias", "layer.0.weight", "layer.1.bias", "layer.1.weight"), c.names());
                for (Map.Entry<String, Tensor> e : tensors().entrySet()) {
                    assertArrayEquals(e.getValue().toFloats(), c.floats(e.getKey()));
                    assertArrayEquals(e.getValue().shape(), c.info(e.getKey()).shape());
                    assertArrayEquals(
                            e.getValue().toFloats(), c.toNDArray(e.getKey(), m).toFloatArray());
                }
            }
        }

        @Test
        void missingShardIsReported() throws Exception {
            ShardedSafetensorsWriter.write(dir, tensors(), Map.of("format", "pt"), 24);
            Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir));
            assertEquals(Problem.MISSING_SHARD, e.problem());
            assertEquals(dir.resolve("model-00002-of-00003.safetensors"), e.file());
            assertTrue(e.getMessage().contains("layer.0.bias"), e.getMessage());
        }

        @Test
        void nameInIndexButNotInShardIsReported() throws Exception {
            ShardedSafetensorsWriter.write(dir, tensors(), Map.of("format", "pt"), 24);
            Path index = dir.resolve("model.safetensors.index.json");
            String text = Files.readString(index);
            Files.writeString(
                    index,
                    text.replace(
                            "\"layer.0.bias\": \"model-00002-of-00003.safetensors\"",
                            "\"layer.0.bias\": \"model-00001-of-00003.safetensors\""));
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir));
            assertEquals(Problem.SHARD_MISMATCH, e.problem());
            assertEquals("layer.0.bias", e.tensor());
        }

        @Test
        void shardNamesCannotEscapeTheDirectory() throws Exception {
            Files.writeString(
                    dir.resolve("model.safetensors.index.json"),
                    "{\"metadata\":{},\"weight_map\":{\"a\":\"../model.safetensors\"}}");
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir));
            assertEquals(Problem.INVALID_INDEX, e.problem());
        }

        @Test
        void malformedIndex() throws Exception {
            Path index = dir.resolve("model.safetensors.index.json");
            for (String bad : List.of(
                    "{",
                    "[]",
                    "{\"metadata\":{}}",
                    "{\"weight_map\":{\"a\":1}}",
                    "{\"weight_map\":{\"a\":\"x\",\"a\":\"y\"}}")) {
                Files.write(index, bad.getBytes(StandardCharsets.UTF_8));
                SafetensorsException e =
                        assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir), bad);
                assertEquals(Problem.INVALID_INDEX, e.problem(), bad);
                assertEquals(index, e.file());
            }
        }

        @Test
        void emptyDirectoryIsNotACheckpoint() {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir));
            assertEquals(Problem.NOT_A_CHECKPOINT, e.problem());
        }

        @Test
        void referenceSingleFileCheckpoint() throws Exception {
            Path tinyOpt = Golden.tinyOpt();
            try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(tinyOpt)) {
                assertTrue(c.contains("model.decoder.embed_tokens.weight"));
                assertArrayEquals(
                        new long[] {64, 16},
                        c.info("model.decoder.embed_tokens.weight").shape());
            }
        }
    }
}
