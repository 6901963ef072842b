package ai.peft4j.display;

import ai.peft4j.io.json.PythonRepr;
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
        return PythonRepr.ofDouble(x);
    }

    /** Python's {@code f"{n:,}"}: groups of three digits separated by commas, e.g. {@code 1,572,864}. */
    public static String thousands(long n) {
        // Locale.ROOT: the grouping character must not depend on the user's locale.
        return String.format(Locale.ROOT, "%,d", n);
    }
}
