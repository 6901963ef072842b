package ai.peft4j.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2.1 GiB file: a single U8 tensor past the 2 GiB mark and a small tensor after it. Written by
 * streaming, read by per-tensor and windowed mappings; the heap never holds the big tensor.
 */
@Tag("large")
@DisplayName("Files over 2 GiB")
class LargeFileTest {
    @TempDir
    Path dir;

    static final long BIG = (2L << 30) + (100L << 20); // 2.1 GiB
    static final int CHUNK = 8 << 20;

    /** Zeros, except that every chunk starts with its index and the last 8 bytes are 1..8. */
    static final class BigSource implements TensorSource {
        @Override
        public Dtype dtype() {
            return Dtype.U8;
        }

        @Override
        public long[] shape() {
            return new long[] {BIG};
        }

        @Override
        public void writeTo(WritableByteChannel out) throws IOException {
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
            for (long off = 0; off < BIG; off += CHUNK) {
                int len = (int) Math.min(CHUNK, BIG - off);
                chunk.clear();
                chunk.put(0, (byte) (off / CHUNK));
                if (off + len == BIG) {
                    for (int i = 0; i < 8; i++) {
                        chunk.put(len - 8 + i, (byte) (i + 1));
                    }
                }
                chunk.limit(len);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
            }
        }
    }

    @Test
    void smallTensorAfterTwoGibAndTheEndOfTheBigOne() throws IOException {
        Path f = dir.resolve("big.safetensors");
        try {
            Map<String, TensorSource> tensors = new LinkedHashMap<>();
            tensors.put("a.big", new BigSource());
            // Same dtype, later name: the reference order puts it after the big tensor.
            tensors.put("b.small", Tensor.ofBytes(Dtype.U8, new byte[] {9, 8, 7, 6}, 2, 2));
            SafetensorsWriter.write(f, tensors, Map.of("format", "pt"));
            assertTrue(Files.size(f) > BIG);

            try (SafetensorsFile in = SafetensorsFile.open(f)) {
                TensorInfo small = in.info("b.small");
                assertTrue(in.dataStart() + small.begin() > Integer.MAX_VALUE);
                assertArrayEquals(new float[] {9, 8, 7, 6}, in.floats("b.small"));

                ByteBuffer tail = in.bytes("a.big", BIG - 8, 8);
                byte[] last = new byte[8];
                tail.get(last);
                assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, last);
                long lastChunk = (BIG - 1) / CHUNK;
                assertEquals(
                        (byte) lastChunk,
                        in.bytes("a.big", lastChunk * CHUNK, 1).get(0));

                SafetensorsException e = assertThrows(SafetensorsException.class, () -> in.bytes("a.big"));
                assertEquals(SafetensorsException.Problem.UNSUPPORTED, e.problem());
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
