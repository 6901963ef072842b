package ai.peft4j.io.safetensors;

/**
 * Bit-exact conversions between {@code float} and the narrow float formats of safetensors (IEEE
 * half, bfloat16, FP8 E5M2 and E4M3FN). Java 17 has no {@code Float.float16ToFloat}, hence this
 * class. Narrowing rounds to nearest, ties to even, like PyTorch's {@code .to(dtype)}.
 *
 * <pre>{@code
 * float one = HalfFloats.f16ToFloat((short) 0x3c00);   // 1.0f
 * short b = HalfFloats.floatToBf16(3.14159f);          // 0x4049
 * }</pre>
 */
public final class HalfFloats {
    private HalfFloats() {}

    /** Widens an IEEE 754 binary16 bit pattern; exact, NaN payloads preserved. */
    public static float f16ToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            // Zero or subnormal: mant * 2^-24 is exact in float (mant < 2^10).
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Narrows to binary16, round to nearest even; overflow gives infinity, NaN stays NaN. */
    public static short floatToF16(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int exp = (f >>> 23) & 0xff;
        int mant = f & 0x7fffff;
        if (exp == 0xff) {
            // Keep NaN a (quiet) NaN even when the payload's top bits are zero.
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int rounded = roundShift(m, shift);
            return (short) (sign | rounded); // a carry into 0x400 is exactly the smallest normal
        }
        int h = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) {
            h++; // may carry into the exponent, up to 0x7c00 = infinity, which is correct
        }
        return (short) (sign | h);
    }

    /** Widens a bfloat16 bit pattern (the top half of a float); exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Narrows to bfloat16, round to nearest even; NaN stays a quiet NaN. */
    public static short floatToBf16(float value) {
        int f = Float.floatToRawIntBits(value);
        if ((f & 0x7f800000) == 0x7f800000 && (f & 0x7fffff) != 0) {
            return (short) ((f >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((f >>> 16) & 1);
        return (short) ((f + rounding) >>> 16);
    }

    /** Widens FP8 E5M2 (the top byte of a binary16). */
    public static float f8e5m2ToFloat(byte bits) {
        return f16ToFloat((short) ((bits & 0xff) << 8));
    }

    /** Widens FP8 E4M3FN: bias 7, no infinities, S.1111.111 is NaN. */
    public static float f8e4m3ToFloat(byte bits) {
        int b = bits & 0xff;
        boolean negative = (b & 0x80) != 0;
        int exp = (b >>> 3) & 0xf;
        int mant = b & 0x7;
        float v;
        if (exp == 0xf && mant == 0x7) {
            v = Float.NaN;
        } else if (exp == 0) {
            v = mant * 0x1p-9f;
        } else {
            v = Math.scalb(1f + mant / 8f, exp - 7);
        }
        return negative ? -v : v;
    }

    private static int roundShift(int m, int shift) {
        int rounded = m >>> shift;
        int rem = m & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rem > half || (rem == half && (rounded & 1) != 0)) {
            rounded++;
        }
        return rounded;
    }
}
