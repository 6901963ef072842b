package ai.peft4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.config.PeftConfigException;
import ai.peft4j.io.safetensors.SafetensorsException;
import ai.peft4j.models.ModelConfigException;
import ai.peft4j.models.WeightLoadException;
import ai.peft4j.tuners.AdapterLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/** What the fuzzers share: the seed files, the two-file input format and the run count. */
final class FuzzSupport {

    /** Inputs per fuzz test ({@code maxExecutions}); a little above {@link #MIN_RUNS}. */
    static final long RUNS = 10_500;

    /** The fewest inputs a fuzz test must have tried for the build to pass. */
    static final long MIN_RUNS = 10_000;

    /**
     * Separates the two files of a loader's input: {@code config-json MARK safetensors}. Without
     * the mark the whole input is the JSON file and the fixture's weights go with it.
     */
    static final byte[] MARK = "\n\u0000=WEIGHTS=\u0000\n".getBytes(StandardCharsets.ISO_8859_1);

    private FuzzSupport() {}

    /** True in Jazzer's fuzzing mode ({@code JAZZER_FUZZ} set), false when replaying seeds. */
    static boolean fuzzing() {
        String v = System.getenv("JAZZER_FUZZ");
        return v != null && !v.isEmpty() && !v.equals("0");
    }

    /** A fixture file from the test resources, e.g. {@code hf-reference/tiny_opt/config.json}. */
    static byte[] resource(String path) {
        try (InputStream in = FuzzSupport.class.getResourceAsStream("/" + path)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + path + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code json MARK weights}. */
    static byte[] join(byte[] json, byte[] weights) {
        byte[] out = Arrays.copyOf(json, json.length + MARK.length + weights.length);
        System.arraycopy(MARK, 0, out, json.length, MARK.length);
        System.arraycopy(weights, 0, out, json.length + MARK.length, weights.length);
        return out;
    }

    /**
     * Writes an input's two files into {@code dir}: the JSON part as {@code jsonName}, the weights
     * (or {@code defaultWeights} when the input has no mark) as {@code weightsName}.
     */
    static void writeFiles(byte[] input, Path dir, String jsonName, String weightsName, byte[] defaultWeights) {
        int at = indexOf(input, MARK);
        byte[] json = at < 0 ? input : Arrays.copyOf(input, at);
        byte[] weights = at < 0 ? defaultWeights : Arrays.copyOfRange(input, at + MARK.length, input.length);
        try {
            Files.write(dir.resolve(jsonName), json);
            Files.write(dir.resolve(weightsName), weights);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Whether {@code t} is one of the typed errors the fuzz tests accept (see package docs). */
    static boolean isTyped(Throwable t) {
        return t instanceof SafetensorsException
                || t instanceof ModelConfigException
                || t instanceof WeightLoadException
                || t instanceof PeftConfigException
                || t instanceof AdapterLoadException;
    }

    /**
     * The tuners' convention for an adapter config that PEFT rejects when it builds the adapter: a
     * plain {@link IllegalArgumentException} raised by peft4j itself, with a message. Subclasses
     * (NumberFormatException, PatternSyntaxException) and IAEs raised inside the JDK or DJL do not
     * count.
     */
    static boolean isPeft4jArgumentError(Throwable t) {
        StackTraceElement[] trace = t.getStackTrace();
        return t.getClass() == IllegalArgumentException.class
                && trace.length > 0
                && trace[0].getClassName().startsWith("ai.peft4j.");
    }

    /** Set once an input failed, so that the run count is not reported as a second failure. */
    static volatile boolean failed;

    /**
     * Rethrows anything that is not a typed error (or, with {@code tunerConvention}, a peft4j
     * argument error), so Jazzer reports it with its input.
     */
    static void requireTyped(Throwable t, boolean tunerConvention) {
        if (!isTyped(t) && !(tunerConvention && isPeft4jArgumentError(t))) {
            failed = true;
            throw new AssertionError("not a typed peft4j error: " + t, t);
        }
        if (t.getMessage() == null || t.getMessage().isBlank()) {
            failed = true;
            throw new AssertionError("an error without a message: " + t, t);
        }
    }

    /** In fuzzing mode, checks that the fuzz test saw enough inputs. */
    static void checkRuns(String what, AtomicLong runs) {
        if (fuzzing() && !failed) {
            assertTrue(
                    runs.get() >= MIN_RUNS,
                    what + " fuzzed " + runs.get() + " inputs, fewer than " + MIN_RUNS
                            + " (maxDuration reached first?)");
        }
        System.out.println(what + ": " + runs.get() + " inputs");
    }

    /** A fresh empty directory, deleted with its files when the JVM exits. */
    static Path tempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder())
                            .forEach(f -> f.toFile().delete());
                } catch (IOException e) {
                    // best effort: the directory is under the system temp folder
                }
            }));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
