package ai.peft4j.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.peft4j.testing.Golden;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Files written by the Hugging Face stack (see the fixtures' README) against our reader/writer. */
@DisplayName("Reference files from the Hugging Face stack")
class ReferenceFixturesTest {
    @TempDir
    Path dir;

    static Path fixture(String relative) {
        return Golden.fixture(relative);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "tiny_opt/model.safetensors, tiny_opt/golden_base.json, model.safetensors",
        "tiny_opt/lora/adapter_model.safetensors, tiny_opt/lora/golden.json, adapter_model.safetensors",
        "tiny_roberta/model.safetensors, tiny_roberta/golden_base.json, model.safetensors",
    })
    @DisplayName("reading, then writing again with the same metadata, is byte-identical")
    void rewriteIsByteIdentical(String file, String golden, String key) throws Exception {
        Path original = fixture(file);
        Path out = dir.resolve("rewritten.safetensors");
        try (SafetensorsFile in = SafetensorsFile.open(original)) {
            Map<String, TensorSource> tensors = new LinkedHashMap<>();
            for (String name : in.names()) {
                tensors.put(name, TensorSource.copyOf(in, name));
            }
            SafetensorsWriter.write(out, tensors, in.hasMetadata() ? in.metadata() : null);

            // Also through fully materialised float arrays, as the model saver will do.
            Map<String, Tensor> copies = new LinkedHashMap<>();
            for (String name : in.names()) {
                copies.put(name, Tensor.ofFloats(in.floats(name), in.info(name).shape()));
            }
            assertArrayEquals(Files.readAllBytes(original), SafetensorsWriter.toBytes(copies, Map.of("format", "pt")));
        }
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(out));

        // The recorded hash and header in the golden file describe the same bytes.
        Path goldenPath = fixture(golden);
        JsonNode rec =
                new ObjectMapper().readTree(goldenPath.toFile()).get("files").get(key);
        assertEquals(rec.get("bytes").asLong(), Files.size(out));
        assertEquals(rec.get("sha256").asText(), sha256(out));
        assertHeaderMatches(rec.get("safetensors_header"), out);
    }

    private static void assertHeaderMatches(JsonNode header, Path file) throws IOException {
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            List<String> expectedNames = new ArrayList<>();
            header.fieldNames().forEachRemaining(expectedNames::add);
            expectedNames.remove("__metadata__");
            assertEquals(expectedNames, in.names());
            assertEquals(
                    header.get("__metadata__").get("format").asText(),
                    in.metadata().get("format"));
            for (String name : expectedNames) {
                JsonNode h = header.get(name);
                TensorInfo t = in.info(name);
                assertEquals(h.get("dtype").asText(), t.dtype().headerName(), name);
                long[] shape = new long[h.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = h.get("shape").get(i).asLong();
                }
                assertArrayEquals(shape, t.shape(), name);
                assertEquals(h.get("data_offsets").get(0).asLong(), t.begin(), name);
                assertEquals(h.get("data_offsets").get(1).asLong(), t.end(), name);
            }
        }
    }

    private static String sha256(Path p) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
