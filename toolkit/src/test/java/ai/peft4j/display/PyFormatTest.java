package ai.peft4j.display;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Expected strings were produced by CPython 3's repr() and f"{n:,}" and are hard-coded here. */
class PyFormatTest {

    @Test
    void trainablePercentOfOpt350mLoraPrintsLikePeft() {
        // PEFT prints 100 * trainable / all for facebook/opt-350m with r=16 on q_proj, v_proj.
        assertEquals("0.472659014678278", PyFormat.repr(100 * 1572864 / 332769280.0));
    }

    @ParameterizedTest(name = "repr({0}) = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "0.46875                 | 0.46875",
                "0.1                     | 0.1",
                "0.3                     | 0.3",
                "0.05                    | 0.05",
                "1e-5                    | 1e-05",
                "1.5e-5                  | 1.5e-05",
                "1e-7                    | 1e-07",
                "1e-4                    | 0.0001",
                "0.00012                 | 0.00012",
                "0.000123456789          | 0.000123456789",
                "1e16                    | 1e+16",
                "1e15                    | 1000000000000000.0",
                "5e15                    | 5000000000000000.0",
                "9999999999999998.0      | 9999999999999998.0",
                "9007199254740993.0      | 9007199254740992.0",
                "12345678901234567890.0  | 1.2345678901234567e+19",
                "1e22                    | 1e+22",
                "1e23                    | 1e+23",
                "123456789012345.0       | 123456789012345.0",
                "100.0                   | 100.0",
                "123.456                 | 123.456",
                "-2.5                    | -2.5",
                "0.0                     | 0.0",
                "-0.0                    | -0.0",
                "5e-324                  | 5e-324",
                "1.5e-323                | 1.5e-323",
                "1e-323                  | 1e-323",
                "4.35e-322               | 4.35e-322",
                "2.2250738585072014e-308 | 2.2250738585072014e-308",
                "1.7976931348623157e308  | 1.7976931348623157e+308",
            })
    void reprMatchesPython(double value, String expected) {
        assertEquals(expected, PyFormat.repr(value));
    }

    @Test
    void reprOfFractionsUsesShortestRoundTripDigits() {
        assertEquals("0.3333333333333333", PyFormat.repr(1.0 / 3));
        assertEquals("0.6666666666666666", PyFormat.repr(2.0 / 3));
        assertEquals("0.002", PyFormat.repr(0.002));
        // JDK 17's Double.toString gives "2.82879384806159008E17" here: not the shortest digits.
        assertEquals("2.82879384806159e+17", PyFormat.repr(2.82879384806159e17));
    }

    @Test
    void nonFiniteValuesAreSpelledLikePython() {
        assertEquals("inf", PyFormat.repr(Double.POSITIVE_INFINITY));
        assertEquals("-inf", PyFormat.repr(Double.NEGATIVE_INFINITY));
        assertEquals("nan", PyFormat.repr(Double.NaN));
    }

    @Test
    void reprReadsBackToTheSameDoubleForManyValues() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 20_000; i++) {
            double x = Double.longBitsToDouble(random.nextLong());
            if (Double.isNaN(x) || Double.isInfinite(x)) {
                continue;
            }
            String s = PyFormat.repr(x);
            assertEquals(x, Double.parseDouble(s), s);
            // Never longer than JDK's own digits, which always round-trip.
            assertEquals(true, digits(s) <= digits(Double.toString(x)), s + " vs " + x);
        }
    }

    private static int digits(String s) {
        String mantissa = s.toLowerCase().split("e")[0].replace("-", "").replace(".", "");
        mantissa = mantissa.replaceFirst("^0+", "");
        mantissa = mantissa.replaceFirst("0+$", "");
        return mantissa.length();
    }

    @ParameterizedTest(name = "thousands({0}) = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "0          | 0",
                "999        | 999",
                "1000       | 1,000",
                "1572864    | 1,572,864",
                "332769280  | 332,769,280",
                "-1234567   | -1,234,567",
            })
    void thousandsGroupsDigitsLikePython(long value, String expected) {
        assertEquals(expected, PyFormat.thousands(value));
    }
}
