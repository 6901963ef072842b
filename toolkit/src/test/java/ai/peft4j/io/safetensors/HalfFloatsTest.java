package ai.peft4j.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Half-precision conversions")
class HalfFloatsTest {

    @Nested
    @DisplayName("F16 widens exactly")
    class F16Widening {
        @ParameterizedTest(name = "0x{0} -> {1}")
        @CsvSource({
            "0000, 0.0",
            "3c00, 1.0",
            "c000, -2.0",
            "3555, 0.333251953125",
            "7bff, 65504.0",
            "0400, 6.103515625E-5", // smallest normal 2^-14
            "0001, 5.9604644775390625E-8", // smallest subnormal 2^-24
            "03ff, 6.097555160522461E-5", // largest subnormal 1023 * 2^-24
            "8001, -5.9604644775390625E-8",
            "7c00, Infinity",
            "fc00, -Infinity",
        })
        void values(String hex, double expected) {
            assertEquals((float) expected, HalfFloats.f16ToFloat((short) Integer.parseInt(hex, 16)), 0f);
        }

        @Test
        void negativeZeroKeepsItsSign() {
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(HalfFloats.f16ToFloat((short) 0x8000)));
        }

        @Test
        void nanStaysNan() {
            assertTrue(Float.isNaN(HalfFloats.f16ToFloat((short) 0x7e00)));
            assertTrue(Float.isNaN(HalfFloats.f16ToFloat((short) 0x7c01)));
            assertTrue(Float.isNaN(HalfFloats.f16ToFloat((short) 0xfe00)));
        }

        @Test
        void everyNonNanPatternRoundTrips() {
            for (int h = 0; h < 0x10000; h++) {
                float f = HalfFloats.f16ToFloat((short) h);
                if (!Float.isNaN(f)) {
                    assertEquals(h, HalfFloats.floatToF16(f) & 0xffff, "pattern " + Integer.toHexString(h));
                }
            }
        }
    }

    @Nested
    @DisplayName("F16 narrowing rounds to nearest even")
    class F16Narrowing {
        @ParameterizedTest(name = "{0} -> 0x{1}")
        @CsvSource({
            "1.0, 3c00",
            "1.00048828125, 3c00", // exactly half an ulp above 1: tie, to even (down)
            "1.00146484375, 3c02", // 1 + 1.5 ulp: tie, to even (up)
            "65504.0, 7bff",
            "65519.0, 7bff", // below the rounding boundary
            "65520.0, 7c00", // rounds to infinity
            "1.0E10, 7c00",
            "2.9802322387695312E-8, 0000", // 2^-25: tie between 0 and min subnormal, to even (0)
            "4.470348358154297E-8, 0001", // 1.5 * 2^-25 rounds up to min subnormal
            "1.0E-10, 0000",
        })
        void values(double input, String hex) {
            assertEquals(Integer.parseInt(hex, 16), HalfFloats.floatToF16((float) input) & 0xffff);
        }

        @Test
        void nanStaysNan() {
            assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(Float.NaN))));
        }
    }

    @Nested
    @DisplayName("BF16")
    class Bf16 {
        @ParameterizedTest(name = "0x{0} -> {1}")
        @CsvSource({
            "3f80, 1.0",
            "c040, -3.0",
            "4049, 3.140625",
            "0001, 9.183549615799121E-41", // smallest subnormal 2^-133
            "7f80, Infinity",
            "ff80, -Infinity",
            "7f7f, 3.3895313892515355E38", // largest finite
        })
        void widening(String hex, double expected) {
            assertEquals((float) expected, HalfFloats.bf16ToFloat((short) Integer.parseInt(hex, 16)), 0f);
        }

        @Test
        void nan() {
            assertTrue(Float.isNaN(HalfFloats.bf16ToFloat((short) 0x7fc0)));
            assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
            // A NaN whose payload lives only in the low 16 bits must not become infinity.
            float lowPayloadNan = Float.intBitsToFloat(0x7f800001);
            assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(lowPayloadNan))));
        }

        @Test
        void narrowingRoundsToNearestEven() {
            assertEquals(0x4049, HalfFloats.floatToBf16(3.14159f) & 0xffff);
            // 1 + 2^-8 is exactly half-way between bf16 1.0 and 1.0078125: ties to even (1.0).
            assertEquals(0x3f80, HalfFloats.floatToBf16(1f + 0x1p-8f) & 0xffff);
            // 1.0078125 + 2^-8 is half-way and the lower neighbour is odd: rounds up.
            assertEquals(0x3f82, HalfFloats.floatToBf16(1.0078125f + 0x1p-8f) & 0xffff);
            assertEquals(0x7f80, HalfFloats.floatToBf16(Float.MAX_VALUE) & 0xffff);
        }
    }

    @Nested
    @DisplayName("FP8")
    class Fp8 {
        @Test
        void e4m3fn() {
            assertEquals(1f, HalfFloats.f8e4m3ToFloat((byte) 0x38), 0f);
            assertEquals(448f, HalfFloats.f8e4m3ToFloat((byte) 0x7e), 0f);
            assertEquals(-0x1p-9f, HalfFloats.f8e4m3ToFloat((byte) 0x81), 0f);
            assertTrue(Float.isNaN(HalfFloats.f8e4m3ToFloat((byte) 0x7f)));
        }

        @Test
        void e5m2() {
            assertEquals(1f, HalfFloats.f8e5m2ToFloat((byte) 0x3c), 0f);
            assertEquals(57344f, HalfFloats.f8e5m2ToFloat((byte) 0x7b), 0f);
            assertEquals(Float.POSITIVE_INFINITY, HalfFloats.f8e5m2ToFloat((byte) 0x7c), 0f);
        }
    }
}
