package ai.peft4j.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected texts are CPython's json.dumps(value, indent=2, sort_keys=True), hard-coded. */
class PyJsonTest {

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
    assertEquals(expected, PyJson.dumps(root));
  }

  @Test
  void scalarsAtTopLevel() {
    assertEquals("null", PyJson.dumps(null));
    assertEquals("true", PyJson.dumps(true));
    assertEquals("8", PyJson.dumps(8));
    assertEquals("0.0", PyJson.dumps(0.0));
    assertEquals("1e-05", PyJson.dumps(1e-5));
    assertEquals("\"\\u007f\"", PyJson.dumps("\u007f"));
  }

  @Test
  void keysSortByCodePointNotByUtf16Unit() {
    // U+FF61 sorts before U+1F600 in Python; as UTF-16 units 0xFF61 > 0xD83D.
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("\ud83d\ude00", 1);
    m.put("\uff61", 2);
    assertEquals("{\n  \"\\uff61\": 2,\n  \"\\ud83d\\ude00\": 1\n}", PyJson.dumps(m));
  }

  @Test
  void unsupportedValuesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> PyJson.dumps(new Object()));
  }
}
