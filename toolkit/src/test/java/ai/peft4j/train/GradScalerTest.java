package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("GradScaler: torch.cuda.amp.GradScaler's dynamic loss scaling")
class GradScalerTest {

    @Test
    @DisplayName("PyTorch's defaults and state_dict keys")
    void defaults() {
        GradScaler s = new GradScaler();
        assertEquals(65536f, s.getScale());
        assertEquals(0, s.growthTracker());
        assertEquals(
                Map.of(
                        "scale", 65536f,
                        "growth_factor", 2f,
                        "backoff_factor", 0.5f,
                        "growth_interval", 2000,
                        "_growth_tracker", 0),
                s.stateDict());
        assertEquals(
                List.of("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"),
                List.copyOf(s.stateDict().keySet()));
    }

    @Test
    @DisplayName("grows after growth_interval good steps, backs off and restarts the count on an overflow")
    void growthAndBackoffSequence() {
        // The scales and trackers torch.amp.GradScaler("cpu", growth_interval=3) goes through for the
        // same overflow pattern (torch 2.13, run by hand).
        boolean[] overflow = {false, false, false, true, false, false, true, true, false, false, false};
        float[] scales = {65536, 65536, 131072, 65536, 65536, 65536, 32768, 16384, 16384, 16384, 32768};
        int[] trackers = {1, 2, 0, 0, 1, 2, 0, 0, 1, 2, 0};
        GradScaler s = new GradScaler(65536f, 2f, 0.5f, 3);
        for (int i = 0; i < overflow.length; i++) {
            s.update(overflow[i]);
            assertEquals(scales[i], s.getScale(), "scale after step " + i);
            assertEquals(trackers[i], s.growthTracker(), "growth tracker after step " + i);
        }
    }

    @Test
    @DisplayName("the default interval: 1999 good steps keep the scale, the 2000th doubles it")
    void defaultInterval() {
        GradScaler s = new GradScaler();
        for (int i = 0; i < 1999; i++) {
            s.update(false);
        }
        assertEquals(65536f, s.getScale());
        assertEquals(1999, s.growthTracker());
        s.update(false);
        assertEquals(131072f, s.getScale());
        assertEquals(0, s.growthTracker());
    }

    @Test
    @DisplayName("a growth that would overflow a float keeps the scale")
    void growthOverflow() {
        GradScaler s = new GradScaler(Float.MAX_VALUE / 1.5f, 2f, 0.5f, 1);
        s.update(false);
        assertEquals(Float.MAX_VALUE / 1.5f, s.getScale());
        assertEquals(0, s.growthTracker());
    }

    @Test
    @DisplayName("unscale divides the gradients in place and reports inf or NaN anywhere")
    void unscale() {
        try (NDManager m = NDManager.newBaseManager()) {
            GradScaler s = new GradScaler(1024f, 2f, 0.5f, 2000);
            NDArray a = m.create(new float[] {1024f, -2048f});
            NDArray b = m.create(new float[] {512f});
            assertFalse(s.unscale(List.of(a, b), m));
            assertArrayEquals(new float[] {1f, -2f}, a.toFloatArray());
            assertArrayEquals(new float[] {0.5f}, b.toFloatArray());

            NDArray inf = m.create(new float[] {Float.POSITIVE_INFINITY, 1024f});
            assertTrue(s.unscale(List.of(b, inf), m));
            assertEquals(1f, inf.toFloatArray()[1], "finite entries are unscaled all the same");
            assertTrue(s.unscale(List.of(m.create(new float[] {Float.NaN})), m));
            assertTrue(s.unscale(List.of(m.create(new float[] {Float.NEGATIVE_INFINITY}), b), m));
        }
    }

    @Test
    @DisplayName("an FP16 loss is scaled in FP32, where 3 × 65536 does not overflow")
    void scaleInFp32() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray loss = m.create(3f).toType(DataType.FLOAT16, false);
            NDArray scaled = new GradScaler().scale(loss);
            assertEquals(DataType.FLOAT32, scaled.getDataType());
            assertEquals(196608f, scaled.getFloat());
        }
    }

    @Test
    @DisplayName("state_dict round trip; bad settings and states are refused")
    void stateAndChecks() {
        GradScaler a = new GradScaler(65536f, 2f, 0.5f, 3);
        a.update(true);
        a.update(false);
        GradScaler b = new GradScaler(65536f, 2f, 0.5f, 3);
        b.loadStateDict(a.stateDict());
        assertEquals(a.stateDict(), b.stateDict());
        assertEquals(32768f, b.getScale());
        assertEquals(1, b.growthTracker());
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(0f, 2f, 0.5f, 1));
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(1f, 1f, 0.5f, 1));
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(1f, 2f, 1f, 1));
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(1f, 2f, 0.5f, 0));
        assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(Map.of("scale", 1f)));
        assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(Map.of("scale", -1f, "_growth_tracker", 0)));
    }
}
