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
            case F8_E5M2, F8_E4M3, F16, BF16 -> {
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
