package ai.peft4j.io.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Element conversions between little-endian file bytes and Java/DJL representations. */
final class Conversions {
    private Conversions() {}

    /** Reads {@code count} elements of {@code dtype} from {@code src} (little-endian) as floats. */
    static void toFloats(Dtype dtype, ByteBuffer src, float[] out, int offset, int count) {
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = b.position();
        for (int i = 0; i < count; i++) {
            out[offset + i] = floatAt(dtype, b, p + i * dtype.byteSize());
        }
    }

    private static float floatAt(Dtype dtype, ByteBuffer b, int at) {
        return switch (dtype) {
            case BOOL -> b.get(at) != 0 ? 1f : 0f;
            case U8 -> b.get(at) & 0xff;
            case I8 -> b.get(at);
            case F8_E5M2 -> HalfFloats.f8e5m2ToFloat(b.get(at));
            case F8_E4M3 -> HalfFloats.f8e4m3ToFloat(b.get(at));
            case I16 -> b.getShort(at);
            case U16 -> b.getShort(at) & 0xffff;
            case F16 -> HalfFloats.f16ToFloat(b.getShort(at));
            case BF16 -> HalfFloats.bf16ToFloat(b.getShort(at));
            case I32 -> b.getInt(at);
            case U32 -> (float) (b.getInt(at) & 0xffffffffL);
            case F32 -> b.getFloat(at);
            case F64 -> (float) b.getDouble(at);
            case I64 -> (float) b.getLong(at);
            case U64 -> unsignedToFloat(b.getLong(at));
        };
    }

    private static float unsignedToFloat(long v) {
        return v >= 0 ? (float) v : (float) (v >>> 1) * 2f;
    }

    /**
     * Writes the elements of {@code src} (little-endian, {@code dtype}) into {@code dst} in the
     * layout of {@link Dtype#djlType()} and {@code dst}'s byte order.
     */
    static void toDjlLayout(Dtype dtype, ByteBuffer src, ByteBuffer dst) {
        ByteBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = s.remaining() / dtype.byteSize();
        int p = s.position();
        switch (dtype) {
            case BOOL, U8, I8 -> dst.put(s);
            case F16, BF16 -> widen(dtype, s, n, dst);
            case F8_E5M2, F8_E4M3 -> {
                for (int i = 0; i < n; i++) {
                    dst.putFloat(floatAt(dtype, s, p + i * dtype.byteSize()));
                }
            }
            case I16 -> {
                for (int i = 0; i < n; i++) {
                    dst.putInt(s.getShort(p + 2 * i));
                }
            }
            case U16 -> {
                for (int i = 0; i < n; i++) {
                    dst.putInt(s.getShort(p + 2 * i) & 0xffff);
                }
            }
            case U32 -> {
                for (int i = 0; i < n; i++) {
                    dst.putLong(s.getInt(p + 4 * i) & 0xffffffffL);
                }
            }
            case I32, F32, F64, I64, U64 -> {
                if (dst.order() == ByteOrder.LITTLE_ENDIAN) {
                    dst.put(s); // same layout: bulk copy
                } else {
                    swapCopy(s, dst, dtype.byteSize());
                }
            }
            default -> throw new AssertionError(dtype);
        }
    }

    /**
     * Whether a {@code dtype} tensor's file bytes are already the layout of {@link Dtype#djlType()}
     * in {@code order}: then they can be copied as they are.
     */
    static boolean sameLayout(Dtype dtype, ByteOrder order) {
        return switch (dtype) {
            case BOOL, U8, I8 -> true;
            case I32, F32, F64, I64, U64 -> order == ByteOrder.LITTLE_ENDIAN;
            default -> false;
        };
    }

    /** Values widened per chunk: bulk reads and writes around a loop the JIT vectorizes. */
    private static final int WIDEN_CHUNK = 8192;

    /** Widens {@code n} F16 or BF16 values of {@code src} to floats in {@code dst}, a chunk at a time. */
    private static void widen(Dtype dtype, ByteBuffer src, int n, ByteBuffer dst) {
        java.nio.ShortBuffer in = src.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        java.nio.IntBuffer out = dst.slice().order(dst.order()).asIntBuffer();
        short[] half = new short[Math.min(WIDEN_CHUNK, n)];
        int[] bits = new int[half.length];
        for (int done = 0; done < n; ) {
            int c = Math.min(half.length, n - done);
            in.get(half, 0, c);
            if (dtype == Dtype.BF16) {
                for (int i = 0; i < c; i++) {
                    bits[i] = half[i] << 16; // bfloat16 is the top half of a float
                }
            } else {
                for (int i = 0; i < c; i++) {
                    bits[i] = Float.floatToRawIntBits(HalfFloats.f16ToFloat(half[i]));
                }
            }
            out.put(bits, 0, c);
            done += c;
        }
        dst.position(dst.position() + 4 * n);
    }

    /** Copies elements of {@code size} bytes from src to dst, reversing each element's bytes. */
    static void swapCopy(ByteBuffer src, ByteBuffer dst, int size) {
        while (src.remaining() >= size) {
            for (int k = size - 1; k >= 0; k--) {
                dst.put(src.get(src.position() + k));
            }
            src.position(src.position() + size);
        }
    }
}
