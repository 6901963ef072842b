package ai.peft4j.display;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Python's formatting of numbers, for output that must match what PEFT prints or writes.
 *
 * <pre>{@code
 * PyFormat.repr(0.05);                         // "0.05"
 * PyFormat.repr(1e-5);                         // "1e-05"   (Java: "1.0E-5")
 * PyFormat.repr(100.0);                        // "100.0"
 * PyFormat.repr(100 * 1572864 / 332769280.0);  // "0.472659014678278"
 * PyFormat.thousands(332769280);               // "332,769,280"  (Python: f"{n:,}")
 * }</pre>
 */
public final class PyFormat {

  private PyFormat() {}

  /**
   * Python's {@code repr(float)}: the shortest decimal that reads back as the same double, written in fixed
   * notation when the decimal exponent is in [-4, 16) and as {@code d.ddde±XX} otherwise.
   *
   * <p>JDK 17's {@link Double#toString} is not always the shortest (JDK-4511638, fixed only in JDK 19) and
   * switches to exponent notation at other thresholds, so it cannot be used directly.
   */
  public static String repr(double x) {
    if (Double.isNaN(x)) {
      return "nan";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    if (x == 0.0) {
      // Keep the sign of negative zero, as Python does.
      return (Double.doubleToRawLongBits(x) < 0) ? "-0.0" : "0.0";
    }
    BigDecimal shortest = shortestRoundTrip(x);
    String sign = shortest.signum() < 0 ? "-" : "";
    BigDecimal abs = shortest.abs();
    // digits * 10^(-scale) == value; exponent10 is the exponent of the leading digit (d.ddd x 10^exponent10).
    String digits = abs.unscaledValue().toString();
    int exponent10 = digits.length() - 1 - abs.scale();
    if (exponent10 < -4 || exponent10 >= 16) {
      return sign + scientific(digits, exponent10);
    }
    return sign + fixed(digits, exponent10);
  }

  /** Python's {@code f"{n:,}"}: groups of three digits separated by commas, e.g. {@code 1,572,864}. */
  public static String thousands(long n) {
    // Locale.ROOT: the grouping character must not depend on the user's locale.
    return String.format(Locale.ROOT, "%,d", n);
  }

  /**
   * The decimal with the fewest significant digits that parses back to {@code x}; among several with that
   * many digits, the one closest to {@code x}. Both neighbours are tried at each precision because near powers
   * of two the round-trip interval is lopsided and the nearest candidate may fall outside it.
   */
  private static BigDecimal shortestRoundTrip(double x) {
    BigDecimal exact = new BigDecimal(x);
    for (int precision = 1; precision <= 17; precision++) {
      BigDecimal down = exact.round(new MathContext(precision, RoundingMode.FLOOR));
      BigDecimal up = exact.round(new MathContext(precision, RoundingMode.CEILING));
      boolean downOk = readsBackAs(down, x);
      boolean upOk = readsBackAs(up, x);
      if (downOk && upOk) {
        int cmp = exact.subtract(down).compareTo(up.subtract(exact));
        if (cmp != 0) {
          return stripZeros(cmp < 0 ? down : up);
        }
        // Exactly halfway: prefer the even last digit, like correctly rounded conversion does.
        return stripZeros(down.unscaledValue().testBit(0) ? up : down);
      }
      if (downOk) {
        return stripZeros(down);
      }
      if (upOk) {
        return stripZeros(up);
      }
    }
    // 17 significant digits always round-trip a double; this line is never reached.
    return stripZeros(exact.round(new MathContext(17, RoundingMode.HALF_EVEN)));
  }

  private static boolean readsBackAs(BigDecimal candidate, double x) {
    // Double.parseDouble is correctly rounded, which is what Python's float() does too.
    return Double.parseDouble(candidate.toString()) == x;
  }

  private static BigDecimal stripZeros(BigDecimal d) {
    return d.stripTrailingZeros();
  }

  private static String scientific(String digits, int exponent10) {
    StringBuilder sb = new StringBuilder();
    sb.append(digits.charAt(0));
    if (digits.length() > 1) {
      sb.append('.').append(digits, 1, digits.length());
    }
    sb.append('e').append(exponent10 < 0 ? '-' : '+');
    int absExp = Math.abs(exponent10);
    if (absExp < 10) {
      sb.append('0');
    }
    return sb.append(absExp).toString();
  }

  private static String fixed(String digits, int exponent10) {
    StringBuilder sb = new StringBuilder();
    if (exponent10 < 0) {
      sb.append("0.");
      sb.append("0".repeat(-exponent10 - 1));
      sb.append(digits);
      return sb.toString();
    }
    int intDigits = exponent10 + 1;
    if (digits.length() <= intDigits) {
      sb.append(digits).append("0".repeat(intDigits - digits.length())).append(".0");
    } else {
      sb.append(digits, 0, intDigits).append('.').append(digits, intDigits, digits.length());
    }
    return sb.toString();
  }
}
