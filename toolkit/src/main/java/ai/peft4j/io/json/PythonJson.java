package ai.peft4j.io.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads JSON strictly and writes it exactly as Python's {@code json.dumps(obj, indent=2,
 * sort_keys=True)} does: two-space indent, {@code "key": value}, one item per line, {@code []}
 * and {@code {}} for empty containers, floats in Python's {@code repr}, non-ASCII escaped.
 */
public final class PythonJson {

    /** A mapper that rejects duplicate keys and keeps big numbers exact. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private PythonJson() {}

    /** Parses {@code text} into a tree; the exception message names {@code source}. */
    public static JsonNode parse(String text, String source) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Reads and parses a JSON object from a file. */
    public static ObjectNode readObject(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        JsonNode node = parse(text, file.toString());
        if (!node.isObject()) {
            throw new IllegalArgumentException(file + " must hold a JSON object, found " + node.getNodeType());
        }
        return (ObjectNode) node;
    }

    /** {@code json.dumps(node, indent=2, sort_keys=True)}. */
    public static String dumps(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(node, 0, true, sb);
        return sb.toString();
    }

    /** {@code json.dumps(node, sort_keys=True)}: one line, {@code ", "} and {@code ": "} separators. */
    public static String dumpsInline(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(node, 0, false, sb);
        return sb.toString();
    }

    /** Writes {@code text} to {@code file} atomically: a temporary sibling, then a rename. */
    public static void writeAtomically(Path file, String text) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            // Not Files.createTempFile, which makes the file owner-only (0600): a saved config gets the
            // umask's permissions, as Python's open() gives it.
            Path tmp = dir.resolve("." + file.getFileName() + "."
                    + Long.toHexString(
                            java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                Files.writeString(
                        tmp,
                        text,
                        StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void write(JsonNode node, int depth, boolean pretty, StringBuilder sb) {
        if (node.isObject()) {
            if (node.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            keys.sort(PythonJson::compareCodePoints);
            sb.append(pretty ? "{\n" : "{");
            for (int i = 0; i < keys.size(); i++) {
                indent(depth + 1, pretty, sb);
                appendString(sb, keys.get(i));
                sb.append(": ");
                write(node.get(keys.get(i)), depth + 1, pretty, sb);
                sb.append(i + 1 < keys.size() ? (pretty ? ",\n" : ", ") : (pretty ? "\n" : ""));
            }
            indent(depth, pretty, sb);
            sb.append('}');
        } else if (node.isArray()) {
            if (node.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append(pretty ? "[\n" : "[");
            Iterator<JsonNode> it = node.elements();
            while (it.hasNext()) {
                indent(depth + 1, pretty, sb);
                write(it.next(), depth + 1, pretty, sb);
                sb.append(it.hasNext() ? (pretty ? ",\n" : ", ") : (pretty ? "\n" : ""));
            }
            indent(depth, pretty, sb);
            sb.append(']');
        } else if (node.isTextual()) {
            appendString(sb, node.textValue());
        } else if (node.isIntegralNumber()) {
            sb.append(node.bigIntegerValue());
        } else if (node.isNumber()) {
            double d = node.doubleValue();
            // json.dumps spells the non-finite floats as JavaScript does.
            sb.append(
                    Double.isNaN(d)
                            ? "NaN"
                            : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : PythonRepr.ofDouble(d));
        } else if (node.isBoolean()) {
            sb.append(node.booleanValue() ? "true" : "false");
        } else if (node.isNull() || node.isMissingNode()) {
            sb.append("null");
        } else {
            throw new IllegalArgumentException("cannot write JSON node of type " + node.getNodeType());
        }
    }

    /**
     * Compares as Python compares {@code str}s (and Rust its UTF-8 {@code String}s): by code point, where Java's
     * {@code compareTo} goes by UTF-16 unit.
     */
    public static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static void indent(int depth, boolean pretty, StringBuilder sb) {
        if (pretty) {
            sb.append("  ".repeat(depth));
        }
    }

    /** The characters Python's json escapes with a backslash, and the letter that follows it (its ESCAPE_DCT). */
    private static final String SPECIAL = "\"\\\n\r\t\b\f";

    private static final String ESCAPED = "\"\\nrtbf";

    /** Appends {@code s} as a JSON string in Python's {@code ensure_ascii=True} encoding. */
    public static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int special = SPECIAL.indexOf(c);
            if (special >= 0) {
                sb.append('\\').append(ESCAPED.charAt(special));
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }
}
