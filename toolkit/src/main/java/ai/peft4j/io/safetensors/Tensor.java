package ai.peft4j.io.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.Objects;

/**
 * An in-memory tensor to write: dtype, shape and little-endian data bytes (at most 2 GiB; use a
 * {@link TensorSource} for more). The buffer is held as a read-only view from its position to its
 * limit; the record is immutable as long as the caller does not modify the original buffer.
 *
 * <pre>{@code
 * Tensor a = Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2);
 * Tensor b = Tensor.ofFloats(Dtype.BF16, new float[] {1.5f}, 1);  // narrowed, nearest-even
 * Tensor c = Tensor.of(ndArray);
 * }</pre>
 *
 * @param dtype element type
 * @param shape dimensions (copied)
 * @param data exactly numel x dtype size little-endian bytes
 */
public record Tensor(Dtype dtype, long[] shape, ByteBuffer data) implements TensorSource {

    /** Checks that the data length matches shape and dtype. */
    public Tensor {
        Objects.requireNonNull(dtype, "dtype");
        shape = Objects.requireNonNull(shape, "shape").clone();
        Objects.requireNonNull(data, "data");
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long expected = Shapes.byteLength(dtype, shape);
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("shape "
                    + Arrays.toString(shape)
                    + " of "
                    + dtype
                    + " needs "
                    + expected
                    + " bytes, the buffer has "
                    + data.remaining());
        }
        data = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** A fresh read-only little-endian view of the data (position 0). */
    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long byteLength() {
        return data.remaining();
    }

    /** Number of elements. */
    public long numel() {
        return Shapes.numel(shape);
    }

    @Override
    public void writeTo(WritableByteChannel out) throws IOException {
        // Write in slices: channels copy heap buffers through a temporary direct buffer as large as
        // what they are given.
        ByteBuffer b = data();
        final int chunk = 8 << 20;
        while (b.hasRemaining()) {
            ByteBuffer slice = b.slice();
            slice.limit(Math.min(chunk, slice.remaining()));
            while (slice.hasRemaining()) {
                out.write(slice);
            }
            b.position(b.position() + slice.position());
        }
    }

    /** The values widened to float (see {@link SafetensorsFile#floats}). */
    public float[] toFloats() {
        long n = numel();
        float[] out = new float[Math.toIntExact(n)];
        Conversions.toFloats(dtype, data(), out, 0, out.length);
        return out;
    }

    /**
     * Copies an NDArray (any device) to a tensor of the equivalent dtype ({@link
     * Dtype#fromDjl}). FLOAT16 stays F16; use {@link #ofFloats(Dtype, float[], long...)} to narrow.
     */
    public static Tensor of(NDArray array) {
        Dtype dtype = Dtype.fromDjl(array.getDataType());
        long[] shape = array.getShape().getShape();
        ByteBuffer raw = array.toByteBuffer();
        ByteBuffer le = ByteBuffer.allocate(raw.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        if (raw.order() == ByteOrder.LITTLE_ENDIAN || dtype.byteSize() == 1) {
            le.put(raw);
        } else {
            Conversions.swapCopy(raw, le, dtype.byteSize());
        }
        le.flip();
        return new Tensor(dtype, shape, le);
    }

    /** An F32 tensor. */
    public static Tensor ofFloats(float[] values, long... shape) {
        return ofFloats(Dtype.F32, values, shape);
    }

    /** A floating point tensor; F16 and BF16 are narrowed with round-to-nearest-even. */
    public static Tensor ofFloats(Dtype dtype, float[] values, long... shape) {
        ByteBuffer b = allocate(values.length, dtype);
        for (float v : values) {
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case F64 -> b.putDouble(v);
                case F16 -> b.putShort(HalfFloats.floatToF16(v));
                case BF16 -> b.putShort(HalfFloats.floatToBf16(v));
                default -> throw new IllegalArgumentException("ofFloats supports F32, F64, F16, BF16");
            }
        }
        return new Tensor(dtype, shape, b.flip());
    }

    /** An F64 tensor. */
    public static Tensor ofDoubles(double[] values, long... shape) {
        ByteBuffer b = allocate(values.length, Dtype.F64);
        for (double v : values) {
            b.putDouble(v);
        }
        return new Tensor(Dtype.F64, shape, b.flip());
    }

    /** An I32 tensor. */
    public static Tensor ofInts(int[] values, long... shape) {
        ByteBuffer b = allocate(values.length, Dtype.I32);
        for (int v : values) {
            b.putInt(v);
        }
        return new Tensor(Dtype.I32, shape, b.flip());
    }

    /** An I64 tensor. */
    public static Tensor ofLongs(long[] values, long... shape) {
        ByteBuffer b = allocate(values.length, Dtype.I64);
        for (long v : values) {
            b.putLong(v);
        }
        return new Tensor(Dtype.I64, shape, b.flip());
    }

    /** An I16 tensor (or raw F16/BF16/U16 bit patterns when dtype says so). */
    public static Tensor ofShorts(Dtype dtype, short[] values, long... shape) {
        if (dtype.byteSize() != 2) {
            throw new IllegalArgumentException(dtype + " is not a 2-byte dtype");
        }
        ByteBuffer b = allocate(values.length, dtype);
        for (short v : values) {
            b.putShort(v);
        }
        return new Tensor(dtype, shape, b.flip());
    }

    /** A BOOL tensor. */
    public static Tensor ofBooleans(boolean[] values, long... shape) {
        ByteBuffer b = allocate(values.length, Dtype.BOOL);
        for (boolean v : values) {
            b.put((byte) (v ? 1 : 0));
        }
        return new Tensor(Dtype.BOOL, shape, b.flip());
    }

    /** A tensor from raw little-endian bytes (copied). */
    public static Tensor ofBytes(Dtype dtype, byte[] littleEndian, long... shape) {
        return new Tensor(dtype, shape, ByteBuffer.wrap(littleEndian.clone()));
    }

    private static ByteBuffer allocate(int count, Dtype dtype) {
        return ByteBuffer.allocate(Math.multiplyExact(count, dtype.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The DJL type {@link SafetensorsFile#toNDArray} would produce for this tensor. */
    public DataType djlType() {
        return dtype.djlType();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && dtype == t.dtype && Arrays.equals(shape, t.shape) && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), data);
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + Arrays.toString(shape) + ", " + data.remaining() + " bytes]";
    }
}
