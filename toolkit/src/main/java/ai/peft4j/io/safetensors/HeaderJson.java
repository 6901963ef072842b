package ai.peft4j.io.safetensors;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Produces header JSON byte for byte like the reference serializer ({@code serde_json} compact
 * output). Jackson is not used for writing because its escaping differs (upper-case hex in
 * {@code \\u00XX}, optional escaping of non-ASCII), and byte equality is part of the contract.
 */
final class HeaderJson {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private HeaderJson() {}

    /** A tensor entry in header order. */
    record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {}

    /**
     * The padded header: compact JSON, {@code __metadata__} first when non-null, entries in the
     * given order, then spaces up to a multiple of 8 bytes.
     */
    static byte[] encode(Map<String, String> metadata, List<Entry> entries) {
        StringBuilder sb = new StringBuilder(64 + entries.size() * 96);
        sb.append('{');
        boolean first = true;
        if (metadata != null) {
            sb.append("\"__metadata__\":{");
            boolean firstMeta = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (!firstMeta) {
                    sb.append(',');
                }
                firstMeta = false;
                string(sb, m.getKey());
                sb.append(':');
                string(sb, m.getValue());
            }
            sb.append('}');
            first = false;
        }
        for (Entry e : entries) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, e.name());
            sb.append(":{\"dtype\":\"").append(e.dtype().headerName()).append("\",\"shape\":[");
            for (int i = 0; i < e.shape().length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(e.shape()[i]);
            }
            sb.append("],\"data_offsets\":[")
                    .append(e.begin())
                    .append(',')
                    .append(e.end())
                    .append("]}");
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] out = java.util.Arrays.copyOf(json, padded);
        java.util.Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** serde_json's string escaping: short forms for \b \t \n \f \r, \\u00xx for other controls. */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** True when the string holds an unpaired surrogate, which UTF-8 cannot encode. */
    static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
