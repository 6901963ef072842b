package ai.peft4j.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.io.safetensors.SafetensorsException.Problem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed file ends in a {@link SafetensorsException} with the exact problem and a message
 * naming the file; never an unchecked exception, an OutOfMemoryError or a JVM crash.
 */
@DisplayName("Malformed files are rejected with a typed problem")
class MalformedFilesTest {
    @TempDir
    Path dir;

    private static final String F32_4 = "\"dtype\":\"F32\",\"shape\":[4]";

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return RawFiles.bytes(h.length, h, new byte[dataBytes]);
    }

    static Arguments c(String description, Problem problem, byte[] content) {
        return Arguments.of(description, problem, content);
    }

    static Stream<Arguments> cases() {
        byte[] badUtf8 = {'{', '"', (byte) 0xff, '"', ':', '1', '}'};
        byte[] overlong = {'{', '"', (byte) 0xc0, (byte) 0x80, '"', ':', '1', '}'};
        return Stream.of(
                c("empty file", Problem.TRUNCATED, new byte[0]),
                c("fewer than 8 bytes", Problem.TRUNCATED, new byte[] {8, 0, 0, 0, 0}),
                c(
                        "data shorter than the offsets",
                        Problem.TRUNCATED,
                        file("{\"a\":{" + F32_4 + ",\"data_offsets\":[0,16]}}", 8)),
                c(
                        "offsets beyond the end of the file",
                        Problem.TRUNCATED,
                        file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1000],\"data_offsets\":[0,1000]}}", 4)),
                c(
                        "header length beyond the file",
                        Problem.HEADER_LENGTH_BEYOND_FILE,
                        RawFiles.bytes(1000, "{}".getBytes(StandardCharsets.UTF_8), new byte[0])),
                c(
                        "header length just over the limit",
                        Problem.HEADER_TOO_LARGE,
                        RawFiles.bytes(100_000_001L, "{}".getBytes(StandardCharsets.UTF_8), new byte[0])),
                c(
                        "header length 2^64-1",
                        Problem.HEADER_TOO_LARGE,
                        RawFiles.bytes(-1L, "{}".getBytes(StandardCharsets.UTF_8), new byte[0])),
                c(
                        "begin after end",
                        Problem.OFFSETS_OUT_OF_RANGE,
                        file("{\"a\":{" + F32_4 + ",\"data_offsets\":[16,0]}}", 16)),
                c(
                        "negative offset",
                        Problem.OFFSETS_OUT_OF_RANGE,
                        file("{\"a\":{" + F32_4 + ",\"data_offsets\":[-16,0]}}", 16)),
                c(
                        "one offset only",
                        Problem.OFFSETS_OUT_OF_RANGE,
                        file("{\"a\":{" + F32_4 + ",\"data_offsets\":[16]}}", 16)),
                c(
                        "offset as a string",
                        Problem.OFFSETS_OUT_OF_RANGE,
                        file("{\"a\":{" + F32_4 + ",\"data_offsets\":[\"0\",16]}}", 16)),
                c(
                        "offset beyond 2^63",
                        Problem.OFFSETS_OUT_OF_RANGE,
                        file("{\"a\":{" + F32_4 + ",\"data_offsets\":[0,18446744073709551616]}}", 16)),
                c(
                        "overlapping tensors",
                        Problem.OFFSETS_OVERLAP_OR_GAP,
                        file(
                                "{\"a\":{" + F32_4 + ",\"data_offsets\":[0,16]}," + "\"b\":{" + F32_4
                                        + ",\"data_offsets\":[8,24]}}",
                                24)),
                c(
                        "gap between tensors",
                        Problem.OFFSETS_OVERLAP_OR_GAP,
                        file(
                                "{\"a\":{" + F32_4 + ",\"data_offsets\":[0,16]}," + "\"b\":{" + F32_4
                                        + ",\"data_offsets\":[20,36]}}",
                                36)),
                c(
                        "data not starting at 0",
                        Problem.OFFSETS_OVERLAP_OR_GAP,
                        file("{\"a\":{" + F32_4 + ",\"data_offsets\":[4,20]}}", 20)),
                c(
                        "shape x dtype differs from the byte range",
                        Problem.SIZE_MISMATCH,
                        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16)),
                c(
                        "unknown dtype",
                        Problem.UNKNOWN_DTYPE,
                        file("{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16)),
                c(
                        "lower-case dtype",
                        Problem.UNKNOWN_DTYPE,
                        file("{\"a\":{\"dtype\":\"f32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16)),
                c(
                        "duplicate tensor name",
                        Problem.DUPLICATE_NAME,
                        file(
                                "{\"a\":{" + F32_4 + ",\"data_offsets\":[0,16]}," + "\"a\":{" + F32_4
                                        + ",\"data_offsets\":[16,32]}}",
                                32)),
                c(
                        "duplicate __metadata__",
                        Problem.DUPLICATE_NAME,
                        file("{\"__metadata__\":{},\"__metadata__\":{}}", 0)),
                c(
                        "duplicate field inside an entry",
                        Problem.DUPLICATE_NAME,
                        file("{\"a\":{" + F32_4 + ",\"dtype\":\"U8\",\"data_offsets\":[0,16]}}", 16)),
                c("invalid UTF-8 byte", Problem.INVALID_UTF8, RawFiles.bytes(7, badUtf8, new byte[0])),
                c("overlong UTF-8 encoding", Problem.INVALID_UTF8, RawFiles.bytes(8, overlong, new byte[0])),
                c("not JSON", Problem.INVALID_JSON, file("{not json}", 0)),
                c("unterminated JSON", Problem.INVALID_JSON, file("{\"a\":{", 0)),
                c("a JSON array", Problem.INVALID_JSON, file("[]", 0)),
                c("empty header", Problem.INVALID_JSON, file("", 0)),
                c("garbage after the object", Problem.INVALID_JSON, file("{} x", 0)),
                c(
                        "unpaired surrogate escape in a name",
                        Problem.INVALID_JSON,
                        file("{\"\\ud800\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0)),
                c(
                        "deeply nested JSON",
                        Problem.INVALID_JSON,
                        file("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 0)),
                c(
                        "negative dimension",
                        Problem.BAD_SHAPE,
                        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", 16)),
                c(
                        "non-integer dimension",
                        Problem.BAD_SHAPE,
                        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,16]}}", 16)),
                c(
                        "dimension as a string",
                        Problem.BAD_SHAPE,
                        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"4\"],\"data_offsets\":[0,16]}}", 16)),
                c(
                        "shape not an array",
                        Problem.BAD_SHAPE,
                        file("{\"a\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]}}", 16)),
                c(
                        "element count overflows",
                        Problem.BAD_SHAPE,
                        file(
                                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
                                        + "\"data_offsets\":[0,16]}}",
                                16)),
                c(
                        "bytes after the last tensor",
                        Problem.TRAILING_DATA,
                        file("{\"a\":{" + F32_4 + ",\"data_offsets\":[0,16]}}", 20)),
                c(
                        "entry without dtype",
                        Problem.INVALID_HEADER,
                        file("{\"a\":{\"shape\":[4],\"data_offsets\":[0,16]}}", 16)),
                c("entry not an object", Problem.INVALID_HEADER, file("{\"a\":3}", 0)),
                c("metadata value not a string", Problem.INVALID_HEADER, file("{\"__metadata__\":{\"total\":3}}", 0)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("cases")
    void rejected(String description, Problem expected, byte[] content) throws Exception {
        Path f = Files.write(dir.resolve("bad.safetensors"), content);
        SafetensorsException e = assertThrows(
                SafetensorsException.class, () -> SafetensorsFile.open(f).close());
        assertEquals(expected, e.problem(), e.getMessage());
        assertEquals(f, e.file());
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected.name()), e.getMessage());
    }

    @Test
    @DisplayName("the message names the tensor involved")
    void messageNamesTheTensor() throws Exception {
        Path f = Files.write(
                dir.resolve("bad.safetensors"),
                file("{\"the.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(f));
        assertEquals("the.weight", e.tensor());
        assertTrue(e.getMessage().contains("'the.weight'"), e.getMessage());
    }

    @Test
    @DisplayName("a missing file is an IO_ERROR, still a SafetensorsException")
    void missingFile() {
        Path f = dir.resolve("nope.safetensors");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(f));
        assertEquals(Problem.IO_ERROR, e.problem());
    }

    @Test
    @DisplayName("lenient inputs the reference also accepts: zero-size tensors, metadata null")
    void acceptedEdgeCases() throws Exception {
        Path f = Files.write(
                dir.resolve("ok.safetensors"),
                file(
                        "{\"__metadata__\":null,\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},"
                                + "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                                + "\"c\":{\"dtype\":\"U8\",\"shape\":[0,5],\"data_offsets\":[2,2]}}  ",
                        2));
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertEquals(java.util.List.of("a", "b", "c"), in.names());
        }
    }
}
