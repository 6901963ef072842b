package ai.peft4j.io.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected texts are CPython's json.dumps(value, indent=2, sort_keys=True), hard-coded. */
class PythonJsonTest {

    private static String dumps(Object value) {
        return PythonJson.dumps(PythonJson.MAPPER.valueToTree(value));
    }

    @Test
    void nestedValuesAreIndentedSortedAndSpelledLikePython() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", null);
        inner.put("y", List.of());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("b", Arrays.asList(1, 2.0, Double.POSITIVE_INFINITY, Double.NaN));
        root.put("a", inner);
        root.put("c", Map.of());
        root.put("\u00e9\n\"x\\", "\u00fc\t\u0001\u20ac\ud83d\ude00");
        String expected = "{\n"
                + "  \"a\": {\n"
                + "    \"y\": [],\n"
                + "    \"z\": null\n"
                + "  },\n"
                + "  \"b\": [\n"
                + "    1,\n"
                + "    2.0,\n"
                + "    Infinity,\n"
                + "    NaN\n"
                + "  ],\n"
                + "  \"c\": {},\n"
                + "  \"\\u00e9\\n\\\"x\\\\\": \"\\u00fc\\t\\u0001\\u20ac\\ud83d\\ude00\"\n"
                + "}";
        assertEquals(expected, dumps(root));
    }

    @Test
    void scalarsAtTopLevel() {
        assertEquals("null", dumps(null));
        assertEquals("true", dumps(true));
        assertEquals("8", dumps(8));
        assertEquals("0.0", dumps(0.0));
        assertEquals("1e-05", dumps(1e-5));
        assertEquals("\"\\u007f\"", dumps("\u007f"));
    }

    @Test
    void keysSortByCodePointNotByUtf16Unit() {
        // U+FF61 sorts before U+1F600 in Python; as UTF-16 units 0xFF61 > 0xD83D.
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("\ud83d\ude00", 1);
        m.put("\uff61", 2);
        assertEquals("{\n  \"\\uff61\": 2,\n  \"\\ud83d\\ude00\": 1\n}", dumps(m));
    }

    @Test
    void hfConfigFloatsAreWrittenAsPythonRepr() {
        assertEquals("{\n  \"eps\": 1e-12,\n  \"std\": 0.02\n}", dumps(Map.of("std", 0.02, "eps", 1e-12)));
    }

    @Test
    void inlineFormIsJsonDumpsWithoutIndent() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", List.of("q_proj", "v_proj"));
        m.put("a", 0.0);
        assertEquals(
                "{\"a\": 0.0, \"b\": [\"q_proj\", \"v_proj\"]}",
                PythonJson.dumpsInline(PythonJson.MAPPER.valueToTree(m)));
    }
}
