package ai.peft4j.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@DisplayName("Writing then reading a safetensors file")
class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void closeEngine() {
        manager.close();
    }

    /** Distinct, sign-mixed bytes so that swapped or shifted data shows. */
    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 37 + seed * 11 + 5);
        }
        return b;
    }

    Path roundTrip(Map<String, ? extends TensorSource> tensors, Map<String, String> meta) throws IOException {
        Path f = dir.resolve("t.safetensors");
        SafetensorsWriter.write(f, tensors, meta);
        return f;
    }

    @Nested
    @DisplayName("every dtype")
    class EveryDtype {
        @ParameterizedTest
        @EnumSource(Dtype.class)
        void bytesComeBackExactly(Dtype dtype) throws IOException {
            byte[] data = pattern(6 * dtype.byteSize(), dtype.ordinal());
            if (dtype == Dtype.BOOL) {
                data = new byte[] {0, 1, 1, 0, 1, 0};
            }
            Path f = roundTrip(Map.of("x", Tensor.ofBytes(dtype, data, 2, 3)), null);
            try (SafetensorsFile in = SafetensorsFile.open(f)) {
                TensorInfo info = in.info("x");
                assertEquals(dtype, info.dtype());
                assertArrayEquals(new long[] {2, 3}, info.shape());
                assertEquals(6, info.numel());
                assertEquals(data.length, info.byteLength());
                ByteBuffer b = in.bytes("x");
                assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
                assertTrue(b.isReadOnly());
                byte[] back = new byte[b.remaining()];
                b.get(back);
                assertArrayEquals(data, back);
                assertFalse(in.hasMetadata());
            }
        }

        @ParameterizedTest
        @EnumSource(
                value = Dtype.class,
                names = {"U64"},
                mode = EnumSource.Mode.EXCLUDE)
        void toNDArrayKeepsValues(Dtype dtype) throws IOException {
            byte[] data = pattern(6 * dtype.byteSize(), dtype.ordinal());
            if (dtype == Dtype.BOOL) {
                data = new byte[] {0, 1, 1, 0, 1, 0};
            }
            Tensor t = Tensor.ofBytes(dtype, data, 3, 2);
            Path f = roundTrip(Map.of("x", t), null);
            try (SafetensorsFile in = SafetensorsFile.open(f);
                    NDManager m = manager.newSubManager()) {
                NDArray a = in.toNDArray("x", m);
                assertEquals(dtype.djlType(), a.getDataType());
                assertEquals(new Shape(3, 2), a.getShape());
                float[] expected = t.toFloats();
                assertArrayEquals(expected, in.floats("x"));
                if (dtype == Dtype.F64) {
                    double[] d = new double[6];
                    t.data().asDoubleBuffer().get(d);
                    assertArrayEquals(d, a.toDoubleArray());
                } else if (dtype.isFloatingPoint()) {
                    // Bit-level comparison: NaN patterns and -0.0 included.
                    float[] direct = a.toFloatArray();
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(direct[i]), "" + i);
                    }
                } else {
                    float[] actual = a.toType(DataType.FLOAT32, false).toFloatArray();
                    assertArrayEquals(expected, actual);
                }
            }
        }
    }

    @Test
    @DisplayName("BF16 and F16 are widened to FLOAT32 with the hand-computed values")
    void narrowFloatsWiden() throws IOException {
        short[] f16 = {0x3c00, (short) 0xc000, 0x0001, 0x7c00, (short) 0xfc00, 0x7e00};
        short[] bf16 = {0x3f80, (short) 0xc040, 0x0001, 0x7f80, (short) 0xff80, 0x7fc0};
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("h", Tensor.ofShorts(Dtype.F16, f16, 6));
        tensors.put("b", Tensor.ofShorts(Dtype.BF16, bf16, 6));
        Path f = roundTrip(tensors, null);
        try (SafetensorsFile in = SafetensorsFile.open(f);
                NDManager m = manager.newSubManager()) {
            float[] h = in.toNDArray("h", m).toFloatArray();
            float[] b = in.toNDArray("b", m).toFloatArray();
            assertEquals(1f, h[0]);
            assertEquals(-2f, h[1]);
            assertEquals(0x1p-24f, h[2]);
            assertEquals(Float.POSITIVE_INFINITY, h[3]);
            assertEquals(Float.NEGATIVE_INFINITY, h[4]);
            assertTrue(Float.isNaN(h[5]));
            assertEquals(1f, b[0]);
            assertEquals(-3f, b[1]);
            assertEquals(0x1p-133f, b[2]);
            assertEquals(Float.POSITIVE_INFINITY, b[3]);
            assertEquals(Float.NEGATIVE_INFINITY, b[4]);
            assertTrue(Float.isNaN(b[5]));
        }
    }

    @Test
    @DisplayName("long BF16 and F16 tensors (many conversion chunks, an odd tail) widen bit for bit")
    void longNarrowFloatsWiden() throws IOException {
        java.util.Random rnd = new java.util.Random(11);
        short[] bits = new short[50_001];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (short) rnd.nextInt(); // every pattern: subnormals, infinities, NaN payloads
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("h", Tensor.ofShorts(Dtype.F16, bits, 3, 16_667));
        tensors.put("b", Tensor.ofShorts(Dtype.BF16, bits, 50_001));
        Path f = roundTrip(tensors, null);
        try (SafetensorsFile in = SafetensorsFile.open(f);
                NDManager m = manager.newSubManager()) {
            float[] h = in.toNDArray("h", m).toFloatArray();
            float[] b = in.toNDArray("b", m).toFloatArray();
            for (int i = 0; i < bits.length; i++) {
                assertEquals(Float.floatToRawIntBits(HalfFloats.f16ToFloat(bits[i])), Float.floatToRawIntBits(h[i]));
                assertEquals(Float.floatToRawIntBits(HalfFloats.bf16ToFloat(bits[i])), Float.floatToRawIntBits(b[i]));
            }
        }
    }

    @Test
    @DisplayName("metadata comes back in order, and an empty metadata map is kept")
    void metadata() throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "quotes \" and \\ and \n and é and \u0001");
        Path f = roundTrip(Map.of("x", Tensor.ofFloats(new float[] {1}, 1)), meta);
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertEquals(meta, in.metadata());
            assertEquals(List.copyOf(meta.keySet()), List.copyOf(in.metadata().keySet()));
            assertTrue(in.rawHeader().startsWith("{\"__metadata__\":{\"format\":\"pt\",\"note\":"));
            assertTrue(in.rawHeader().contains("\\n and é and \\u0001"));
        }
        f = roundTrip(Map.of("x", Tensor.ofFloats(new float[] {1}, 1)), Map.of());
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertTrue(in.hasMetadata());
            assertTrue(in.metadata().isEmpty());
        }
    }

    @Test
    @DisplayName("an empty tensor (a 0 dimension) and a scalar (shape [])")
    void emptyAndScalar() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("empty", Tensor.ofFloats(new float[0], 3, 0));
        tensors.put("alsoEmpty", Tensor.ofInts(new int[0], 0));
        tensors.put("scalar", Tensor.ofFloats(new float[] {42.5f}));
        Path f = roundTrip(tensors, null);
        try (SafetensorsFile in = SafetensorsFile.open(f);
                NDManager m = manager.newSubManager()) {
            assertEquals(0, in.info("empty").numel());
            assertEquals(0, in.info("empty").byteLength());
            assertArrayEquals(new long[] {3, 0}, in.info("empty").shape());
            assertEquals(0, in.floats("empty").length);
            NDArray e = in.toNDArray("empty", m);
            assertEquals(new Shape(3, 0), e.getShape());
            assertEquals(0, in.bytes("alsoEmpty").remaining());

            assertEquals(0, in.info("scalar").rank());
            assertEquals(1, in.info("scalar").numel());
            assertArrayEquals(new float[] {42.5f}, in.floats("scalar"));
            NDArray s = in.toNDArray("scalar", m);
            assertEquals(new Shape(), s.getShape());
            assertEquals(42.5f, s.getFloat());
        }
    }

    @Test
    @DisplayName("the writer orders tensors by dtype (reference enum order, descending), then name")
    void writerOrder() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("a_bool", Tensor.ofBooleans(new boolean[] {true}, 1));
        t.put("b_f32", Tensor.ofFloats(new float[] {1}, 1));
        t.put("a_f32", Tensor.ofFloats(new float[] {1}, 1));
        t.put("bf16", Tensor.ofFloats(Dtype.BF16, new float[] {1}, 1));
        t.put("f16", Tensor.ofFloats(Dtype.F16, new float[] {1}, 1));
        t.put("i64", Tensor.ofLongs(new long[] {1}, 1));
        t.put("f64", Tensor.ofDoubles(new double[] {1}, 1));
        t.put("i32", Tensor.ofInts(new int[] {1}, 1));
        t.put("u8", Tensor.ofBytes(Dtype.U8, new byte[] {1}, 1));
        t.put("i16", Tensor.ofShorts(Dtype.I16, new short[] {1}, 1));
        assertEquals(
                List.of("i64", "f64", "a_f32", "b_f32", "i32", "bf16", "f16", "i16", "u8", "a_bool"),
                SafetensorsWriter.order(t));
        Path f = roundTrip(t, Map.of("format", "pt"));
        try (SafetensorsFile in = SafetensorsFile.open(f)) {
            assertEquals(SafetensorsWriter.order(t), in.names());
            long expectBegin = 0;
            for (TensorInfo i : in.infos()) {
                assertEquals(expectBegin, i.begin());
                expectBegin = i.end();
            }
            assertEquals(0, (8 + in.rawHeader().length()) % 8);
        }
    }

    @Test
    @DisplayName("the serialization matches the reference's own unit-test bytes")
    void referenceUnitTestBytes() throws IOException {
        // safetensors' Rust test_serialization: attn.0, F32 [1,2,3] = 0..5, no metadata.
        byte[] out = SafetensorsWriter.toBytes(
                Map.of("attn.0", Tensor.ofFloats(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3)), null);
        String header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        assertEquals(64, header.length());
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(64, b.getLong());
        byte[] h = new byte[64];
        b.get(h);
        assertEquals(header, new String(h, StandardCharsets.UTF_8));
        assertEquals(0f, b.getFloat());
        assertEquals(1f, b.getFloat());
        // Empty file with metadata {"framework":"pt"}: 40-byte header, 5 spaces of padding.
        byte[] empty = SafetensorsWriter.toBytes(Map.of(), Map.of("framework", "pt"));
        assertEquals(48, empty.length);
        assertEquals(40, empty[0]);
        assertEquals(
                "{\"__metadata__\":{\"framework\":\"pt\"}}     ", new String(empty, 8, 40, StandardCharsets.UTF_8));
        assertEquals("{}      ", new String(SafetensorsWriter.toBytes(Map.of(), null), 8, 8, StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("Tensor.of(NDArray) and toNDArray are inverse for each engine dtype")
    void ndArrayRoundTrip() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("f32", Tensor.of(m.create(new float[] {1.5f, -2f, 3f, 4f}, new Shape(2, 2))));
            t.put("f64", Tensor.of(m.create(new double[] {1.25, -2})));
            t.put("i64", Tensor.of(m.create(new long[] {Long.MIN_VALUE, 7})));
            t.put("i32", Tensor.of(m.create(new int[] {-5, 9})));
            t.put("i8", Tensor.of(m.create(new byte[] {-1, 2}).toType(DataType.INT8, false)));
            t.put("bool", Tensor.of(m.create(new boolean[] {true, false})));
            assertEquals(Dtype.BOOL, t.get("bool").dtype());
            assertEquals(Dtype.I8, t.get("i8").dtype());
            Path f = roundTrip(t, null);
            try (SafetensorsFile in = SafetensorsFile.open(f)) {
                for (String name : t.keySet()) {
                    NDArray a = in.toNDArray(name, m);
                    assertEquals(t.get(name), Tensor.of(a), name);
                }
                assertArrayEquals(
                        new boolean[] {true, false}, in.toNDArray("bool", m).toBooleanArray());
                assertEquals(DataType.BOOLEAN, in.toNDArray("bool", m).getDataType());
            }
        }
    }

    @Nested
    @DisplayName("lifecycle and atomicity")
    class Lifecycle {
        @Test
        void buffersStayValidAfterCloseAndReadsFailCleanly() throws IOException {
            Path f = roundTrip(Map.of("x", Tensor.ofFloats(new float[] {1, 2, 3}, 3)), null);
            SafetensorsFile in = SafetensorsFile.open(f);
            ByteBuffer b = in.bytes("x");
            in.close();
            assertEquals(2f, b.getFloat(4)); // the mapping outlives the channel; no crash
            assertThrows(IllegalStateException.class, () -> in.bytes("x"));
            assertThrows(IllegalStateException.class, () -> in.toNDArray("x", manager));
        }

        @Test
        void unknownNameIsNoSuchElement() throws IOException {
            Path f = roundTrip(Map.of("x", Tensor.ofFloats(new float[] {1}, 1)), null);
            try (SafetensorsFile in = SafetensorsFile.open(f)) {
                assertFalse(in.contains("y"));
                assertTrue(in.find("y").isEmpty());
                assertThrows(NoSuchElementException.class, () -> in.info("y"));
            }
        }

        @Test
        void failedWriteLeavesExistingFileUntouched() throws IOException {
            Path f = roundTrip(Map.of("x", Tensor.ofFloats(new float[] {1}, 1)), null);
            byte[] before = Files.readAllBytes(f);
            TensorSource failing = new TensorSource() {
                @Override
                public Dtype dtype() {
                    return Dtype.F32;
                }

                @Override
                public long[] shape() {
                    return new long[] {4};
                }

                @Override
                public void writeTo(WritableByteChannel out) throws IOException {
                    out.write(ByteBuffer.allocate(4));
                    throw new IOException("disk on fire");
                }
            };
            IOException e =
                    assertThrows(IOException.class, () -> SafetensorsWriter.write(f, Map.of("y", failing), null));
            assertEquals("disk on fire", e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(f));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(f), files.toList(), "no temporary file left behind");
            }
        }

        @Test
        void shortSourceIsRejected() throws IOException {
            TensorSource tooShort = new TensorSource() {
                @Override
                public Dtype dtype() {
                    return Dtype.F32;
                }

                @Override
                public long[] shape() {
                    return new long[] {4};
                }

                @Override
                public void writeTo(WritableByteChannel out) throws IOException {
                    out.write(ByteBuffer.allocate(12));
                }
            };
            Path f = dir.resolve("short.safetensors");
            assertThrows(IOException.class, () -> SafetensorsWriter.write(f, Map.of("y", tooShort), null));
            assertFalse(Files.exists(f));
        }

        @Test
        void invalidNamesAreRejected() {
            Tensor t = Tensor.ofFloats(new float[] {1}, 1);
            assertThrows(
                    IllegalArgumentException.class, () -> SafetensorsWriter.toBytes(Map.of("__metadata__", t), null));
            assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.toBytes(Map.of("bad\ud800", t), null));
            assertThrows(IllegalArgumentException.class, () -> Tensor.ofBytes(Dtype.F32, new byte[3], 1));
        }
    }
}
