package ai.peft4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The reference data from the real transformers + PEFT stack, in {@code ../shared/fixtures}. */
public final class Golden {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Golden() {}

  /** {@code shared/fixtures/hf-reference}; fails clearly when the shared folder is absent. */
  public static Path hfReference() {
    Path p = Path.of(System.getProperty("peft4j.shared", "../shared"), "fixtures", "hf-reference");
    assertTrue(Files.isDirectory(p), "reference fixtures not found at " + p.toAbsolutePath()
        + "; run the tests from a checkout that has ../shared beside it");
    return p;
  }

  public static Path tinyOpt() {
    return hfReference().resolve("tiny_opt");
  }

  public static JsonNode read(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A nested JSON array of numbers as an NDArray of the given element type. */
  public static NDArray longs(NDManager m, JsonNode nested) {
    List<Long> flat = new ArrayList<>();
    long[] shape = flatten(nested, flat, n -> flat.add(n.longValue()));
    return m.create(flat.stream().mapToLong(Long::longValue).toArray(), new Shape(shape));
  }

  /** A nested JSON array of numbers as float32 values (float32 widened to double in the file). */
  public static NDArray floats(NDManager m, JsonNode nested) {
    List<Float> flat = new ArrayList<>();
    long[] shape = flatten(nested, flat, n -> flat.add((float) n.doubleValue()));
    float[] v = new float[flat.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = flat.get(i);
    }
    return m.create(v, new Shape(shape));
  }

  private static long[] flatten(JsonNode n, List<?> out, java.util.function.Consumer<JsonNode> add) {
    List<Long> shape = new ArrayList<>();
    JsonNode probe = n;
    while (probe.isArray()) {
      shape.add((long) probe.size());
      probe = probe.get(0);
    }
    walk(n, add);
    return shape.stream().mapToLong(Long::longValue).toArray();
  }

  private static void walk(JsonNode n, java.util.function.Consumer<JsonNode> add) {
    if (n.isArray()) {
      n.forEach(c -> walk(c, add));
    } else {
      add.accept(n);
    }
  }

  /** Asserts equal shapes and every element within {@code tol}, naming the worst element. */
  public static void assertClose(NDArray expected, NDArray actual, double tol, String what) {
    assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
    float[] e = expected.toFloatArray();
    float[] a = actual.toFloatArray();
    assertArrayEquals(e, a, (float) tol, what);
  }
}
