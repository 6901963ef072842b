package ai.peft4j.io.safetensors;

import ai.peft4j.io.LocalFiles;
import ai.peft4j.io.safetensors.SafetensorsException.Problem;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the header bytes of a safetensors file into validated {@link TensorInfo}s. Every failure
 * becomes a {@link SafetensorsException}; the checks mirror the reference reader's {@code
 * read_metadata} + {@code validate}, with finer-grained problems.
 */
final class HeaderParser {
    /** The reference reader's limit; also what keeps a hostile length from exhausting memory. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    // Names may be long and headers large; the defaults (50k-char names) would reject legal files.
    static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNameLength((int) MAX_HEADER_BYTES)
                    .maxStringLength((int) MAX_HEADER_BYTES)
                    .maxNestingDepth(64)
                    .build())
            .build();

    static final ObjectMapper MAPPER = new ObjectMapper(JSON);

    private HeaderParser() {}

    /** The parsed header. */
    record Header(String raw, Map<String, String> metadata, List<TensorInfo> tensors) {}

    /** Strict UTF-8 decoding: malformed input is reported instead of replaced. */
    static String decodeUtf8(Path file, byte[] bytes) throws SafetensorsException {
        try {
            return LocalFiles.decodeUtf8(bytes);
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, Problem.INVALID_UTF8, null, "the header is not valid UTF-8", e);
        }
    }

    /**
     * Parses and validates a header.
     *
     * @param dataLength bytes after the header, which the tensors must cover exactly
     */
    static Header parse(Path file, byte[] headerBytes, long dataLength) throws SafetensorsException {
        String raw = decodeUtf8(file, headerBytes);
        Map<String, String> metadata = null;
        Map<String, JsonNode> entries = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(raw)) {
            p.setCodec(MAPPER);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new SafetensorsException(file, Problem.INVALID_JSON, "the header is not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                checkString(file, name, name);
                if (entries.containsKey(name) || (metadata != null && name.equals(METADATA_KEY))) {
                    throw new SafetensorsException(
                            file, Problem.DUPLICATE_NAME, name, "the name appears twice in the header", null);
                }
                p.nextToken();
                JsonNode value = p.readValueAsTree();
                if (name.equals(METADATA_KEY)) {
                    metadata = metadata(file, value);
                } else {
                    entries.put(name, value);
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new SafetensorsException(file, Problem.INVALID_JSON, "unterminated header object");
            }
            if (p.nextToken() != null) {
                throw new SafetensorsException(
                        file, Problem.INVALID_JSON, "unexpected content after the header object");
            }
        } catch (SafetensorsException e) {
            throw e;
        } catch (JsonProcessingException e) {
            String msg = String.valueOf(e.getOriginalMessage());
            Problem problem = msg.startsWith("Duplicate field") ? Problem.DUPLICATE_NAME : Problem.INVALID_JSON;
            throw new SafetensorsException(file, problem, null, msg, e);
        } catch (IOException | RuntimeException e) {
            // Jackson reading from a String should only fail with JsonProcessingException; be safe.
            throw new SafetensorsException(file, Problem.INVALID_JSON, null, e.toString(), e);
        }

        List<TensorInfo> tensors = new ArrayList<>(entries.size());
        for (Map.Entry<String, JsonNode> e : entries.entrySet()) {
            tensors.add(tensor(file, e.getKey(), e.getValue()));
        }
        validateLayout(file, tensors, dataLength);
        return new Header(
                raw,
                metadata == null ? null : Collections.unmodifiableMap(metadata),
                Collections.unmodifiableList(tensors));
    }

    private static Map<String, String> metadata(Path file, JsonNode node) throws SafetensorsException {
        if (node.isNull()) {
            return null; // serde reads `null` as an absent Option
        }
        if (!node.isObject()) {
            throw new SafetensorsException(file, Problem.INVALID_HEADER, "__metadata__ must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        var it = node.fields();
        while (it.hasNext()) {
            var f = it.next();
            if (!f.getValue().isTextual()) {
                throw new SafetensorsException(
                        file, Problem.INVALID_HEADER, "__metadata__ value for '" + f.getKey() + "' is not a string");
            }
            checkString(file, null, f.getKey());
            checkString(file, null, f.getValue().textValue());
            out.put(f.getKey(), f.getValue().textValue());
        }
        return out;
    }

    private static TensorInfo tensor(Path file, String name, JsonNode node) throws SafetensorsException {
        if (!node.isObject()) {
            throw new SafetensorsException(file, Problem.INVALID_HEADER, name, "entry is not an object", null);
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || offsetsNode == null) {
            throw new SafetensorsException(
                    file, Problem.INVALID_HEADER, name, "entry needs the fields dtype, shape and data_offsets", null);
        }
        if (!dtypeNode.isTextual()) {
            throw new SafetensorsException(file, Problem.INVALID_HEADER, name, "dtype is not a string", null);
        }
        Dtype dtype = Dtype.fromHeaderName(dtypeNode.textValue())
                .orElseThrow(() -> new SafetensorsException(
                        file, Problem.UNKNOWN_DTYPE, name, "unknown dtype \"" + dtypeNode.textValue() + "\"", null));
        if (!shapeNode.isArray()) {
            throw new SafetensorsException(file, Problem.BAD_SHAPE, name, "shape is not an array", null);
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            Long d = nonNegativeLong(shapeNode.get(i));
            if (d == null) {
                throw new SafetensorsException(
                        file,
                        Problem.BAD_SHAPE,
                        name,
                        "shape entry " + shapeNode.get(i) + " is not a non-negative integer",
                        null);
            }
            shape[i] = d;
        }
        if (!offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw new SafetensorsException(
                    file,
                    Problem.OFFSETS_OUT_OF_RANGE,
                    name,
                    "data_offsets must be [begin, end], got " + offsetsNode,
                    null);
        }
        Long begin = nonNegativeLong(offsetsNode.get(0));
        Long end = nonNegativeLong(offsetsNode.get(1));
        if (begin == null || end == null || end < begin) {
            throw new SafetensorsException(
                    file,
                    Problem.OFFSETS_OUT_OF_RANGE,
                    name,
                    "data_offsets " + offsetsNode + " are not integers with 0 <= begin <= end",
                    null);
        }
        long expected;
        try {
            expected = Shapes.byteLength(dtype, shape);
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, Problem.BAD_SHAPE, name, "element count overflows", e);
        }
        if (expected != end - begin) {
            throw new SafetensorsException(
                    file,
                    Problem.SIZE_MISMATCH,
                    name,
                    "shape "
                            + java.util.Arrays.toString(shape)
                            + " x "
                            + dtype
                            + " needs "
                            + expected
                            + " bytes but data_offsets "
                            + offsetsNode
                            + " span "
                            + (end - begin),
                    null);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** A JSON integer in [0, Long.MAX_VALUE], else null (floats, negatives, strings, huge). */
    private static Long nonNegativeLong(JsonNode n) {
        if (n == null || !n.isIntegralNumber()) {
            return null;
        }
        BigInteger v = n.bigIntegerValue();
        if (v.signum() < 0 || v.bitLength() > 63) {
            return null;
        }
        return v.longValue();
    }

    /**
     * The tensors, sorted by offsets, must tile [0, dataLength) exactly: the reference reader
     * rejects gaps, overlaps and trailing bytes.
     */
    private static void validateLayout(Path file, List<TensorInfo> tensors, long dataLength)
            throws SafetensorsException {
        List<TensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long cursor = 0;
        for (TensorInfo t : sorted) {
            if (t.begin() != cursor) {
                String what = t.begin() < cursor
                        ? "overlaps the previous tensor"
                        : "leaves a gap of " + (t.begin() - cursor) + " bytes before it";
                throw new SafetensorsException(
                        file,
                        Problem.OFFSETS_OVERLAP_OR_GAP,
                        t.name(),
                        "data_offsets [" + t.begin() + ", " + t.end() + "] " + what + " (expected begin " + cursor
                                + ")",
                        null);
            }
            cursor = t.end();
        }
        if (cursor > dataLength) {
            TensorInfo last = sorted.get(sorted.size() - 1);
            throw new SafetensorsException(
                    file,
                    Problem.TRUNCATED,
                    last.name(),
                    "the header needs " + cursor + " data bytes but the file has only " + dataLength,
                    null);
        }
        if (cursor < dataLength) {
            throw new SafetensorsException(
                    file,
                    Problem.TRAILING_DATA,
                    "the tensors cover " + cursor + " data bytes but the file has " + dataLength);
        }
    }

    static void checkString(Path file, String tensor, String s) throws SafetensorsException {
        if (HeaderJson.hasLoneSurrogate(s)) {
            throw new SafetensorsException(
                    file, Problem.INVALID_JSON, tensor, "a string holds an unpaired UTF-16 surrogate", null);
        }
    }
}
