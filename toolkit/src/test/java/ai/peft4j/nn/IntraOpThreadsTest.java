package ai.peft4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The intra-op thread choice, with made-up timings instead of a clock (nothing here is timed). */
class IntraOpThreadsTest {

    @Test
    void picksTheFastestCountOnASmallMachineTimingEachCountInTurn() {
        List<Integer> asked = new ArrayList<>();
        // Two threads usually slow (a loaded machine) but faster in two lucky rounds: the median decides.
        int[] call = {0};
        int chosen = IntraOpThreads.choose(null, false, 2, 2, n -> {
            asked.add(n);
            call[0]++;
            return n == 1 ? 1.0 : call[0] <= 4 ? 0.5 : 3.0;
        });
        assertEquals(1, chosen);
        assertEquals(List.of(1, 2, 1, 2, 1, 2, 1, 2, 1, 2), asked, "counts interleaved, five rounds");
        assertEquals(2, IntraOpThreads.choose(null, false, 2, 1, n -> n == 2 ? 0.5 : 1.0));
        assertEquals(3, IntraOpThreads.choose(null, false, 4, 4, n -> Math.abs(n - 3) + 1.0));
    }

    @Test
    void anExplicitSettingWinsAndNothingIsTimed() {
        assertEquals(3, IntraOpThreads.choose("3", false, 2, 2, n -> {
            throw new AssertionError("timed " + n);
        }));
        assertEquals(2, IntraOpThreads.choose(null, true, 2, 2, n -> {
            throw new AssertionError("timed " + n);
        }));
        assertThrows(IllegalArgumentException.class, () -> IntraOpThreads.choose("0", false, 2, 2, n -> 1));
        assertThrows(IllegalArgumentException.class, () -> IntraOpThreads.choose("two", false, 2, 2, n -> 1));
    }

    @Test
    void largeAndSingleCoreMachinesKeepLibtorchsDefault() {
        assertEquals(16, IntraOpThreads.choose(null, false, 16, 16, n -> {
            throw new AssertionError("timed " + n);
        }));
        assertEquals(1, IntraOpThreads.choose(null, false, 1, 1, n -> {
            throw new AssertionError("timed " + n);
        }));
    }

    @Test
    void configureAppliesItsChoiceToLibtorchOncePerJvm() {
        Engine.getInstance(); // loads libtorch
        int before = JniUtils.getNumThreads();
        try {
            int n = IntraOpThreads.configure();
            assertTrue(n >= 1 && n <= Math.max(before, Runtime.getRuntime().availableProcessors()), "count " + n);
            assertEquals(n, JniUtils.getNumThreads());
            assertEquals(n, IntraOpThreads.configure());
        } finally {
            JniUtils.setNumThreads(before); // other tests in this JVM run as they did
        }
    }
}
