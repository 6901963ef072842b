package ai.peft4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference data from the real transformers + PEFT stack, committed under {@code
 * toolkit/src/test/resources/hf-reference} (see its {@code README-PROVENANCE.md}).
 */
public final class Golden {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FOLDER = "hf-reference";

    private Golden() {}

    /**
     * The {@code hf-reference} folder: found on the test class path (Maven and IDEs copy test resources
     * there), else in {@code src/test/resources} of the toolkit module. Fails, naming where it looked, when
     * it is in neither place; a missing fixture is never a skipped test.
     */
    public static Path hfReference() {
        List<Path> tried = new ArrayList<>();
        // Anchored on a file: a directory resource is not found on every class path.
        URL anchor = Golden.class.getResource("/" + FOLDER + "/README.md");
        if (anchor != null && "file".equals(anchor.getProtocol())) {
            try {
                Path p = Path.of(anchor.toURI()).getParent();
                if (Files.isDirectory(p)) {
                    return p;
                }
                tried.add(p);
            } catch (URISyntaxException e) {
                // fall through to the source folders
            }
        }
        // The module directory (Maven's and most IDEs' working directory), then the repository root.
        for (Path p : List.of(
                Path.of("src", "test", "resources", FOLDER), Path.of("toolkit", "src", "test", "resources", FOLDER))) {
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath();
            }
            tried.add(p.toAbsolutePath());
        }
        return fail("reference fixtures not found: neither /" + FOLDER + " on the test class path nor any of " + tried
                + " exists; they belong in toolkit/src/test/resources/" + FOLDER);
    }

    /**
     * A file or folder under {@link #hfReference()}, e.g. {@code "tiny_opt/lora/golden.json"}; fails with the
     * full path when it is missing.
     */
    public static Path fixture(String relative) {
        Path p = hfReference().resolve(relative);
        assertTrue(
                Files.exists(p),
                "reference fixture missing: " + p.toAbsolutePath() + " (see " + FOLDER + "/README-PROVENANCE.md)");
        return p;
    }

    public static Path tinyOpt() {
        return fixture("tiny_opt");
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
