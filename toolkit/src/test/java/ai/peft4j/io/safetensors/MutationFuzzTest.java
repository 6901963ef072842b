package ai.peft4j.io.safetensors;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cheap, deterministic stand-in for coverage-guided fuzzing: thousands of random mutations of a
 * valid file (byte flips, header-length edits, truncation, appended bytes). Opening and reading
 * every tensor must either succeed or throw {@link SafetensorsException}; nothing else may escape.
 */
@DisplayName("Random mutations of a valid file only ever raise SafetensorsException")
class MutationFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutations() throws Exception {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w", Tensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        t.put("h", Tensor.ofFloats(Dtype.F16, new float[] {1, 2}, 2));
        t.put("b", Tensor.ofBooleans(new boolean[] {true}));
        t.put("i", Tensor.ofLongs(new long[] {7}, 1, 1));
        byte[] valid = SafetensorsWriter.toBytes(t, Map.of("format", "pt"));
        int headerEnd =
                8 + (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
        SplittableRandom rnd = new SplittableRandom(20240601);
        Path f = dir.resolve("m.safetensors");
        for (int iter = 0; iter < 2000; iter++) {
            byte[] m = mutate(valid, headerEnd, rnd);
            Files.write(f, m);
            try (SafetensorsFile in = SafetensorsFile.open(f)) {
                for (String name : in.names()) {
                    in.floats(name);
                    in.bytes(name);
                }
            } catch (SafetensorsException expected) {
                // fine: typed rejection
            } catch (Throwable other) {
                fail("iteration " + iter + " escaped with " + other + " for " + Arrays.toString(m), other);
            }
        }
    }

    private static byte[] mutate(byte[] valid, int headerEnd, SplittableRandom rnd) {
        byte[] m = valid.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> { // flip a few header bytes to random values
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    m[8 + rnd.nextInt(headerEnd - 8)] = (byte) rnd.nextInt(256);
                }
            }
            case 1 -> { // replace a header byte with a JSON-significant character
                byte[] specials = "{}[],:\"0123456789-.eE \\".getBytes();
                m[8 + rnd.nextInt(headerEnd - 8)] = specials[rnd.nextInt(specials.length)];
            }
            case 2 -> { // corrupt the length prefix
                ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, rnd.nextLong(-1L, 300L));
            }
            case 3 -> m = Arrays.copyOf(m, rnd.nextInt(m.length)); // truncate
            default -> m = Arrays.copyOf(m, m.length + 1 + rnd.nextInt(16)); // append
        }
        return m;
    }
}
