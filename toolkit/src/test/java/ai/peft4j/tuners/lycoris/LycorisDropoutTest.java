package ai.peft4j.tuners.lycoris;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.nn.Init;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.loha.LoHaLinear;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** PEFT 0.10's rank_dropout and module_dropout act in training only, as LycorisLayer implements them. */
@DisplayName("LyCORIS rank_dropout and module_dropout")
class LycorisDropoutTest {

    NDManager manager;
    NDArray x;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        x = Weights.normal(manager, new Shape(3, 6), 0, 1, new Random(1));
    }

    @AfterEach
    void close() {
        manager.close();
    }

    LoHaLinear layer(double rankDropout, double moduleDropout) {
        Linear base = Init.linear(6, 5, new Random(2));
        base.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 6));
        LoHaLinear layer = new LoHaLinear(base);
        layer.updateLayer("a", 2, 4, rankDropout, moduleDropout, false, new Random(3));
        layer.setActiveAdapters(java.util.List.of("a"));
        layer.seedDropout(5);
        return layer;
    }

    float[] run(ai.djl.nn.Block b, boolean training) {
        return b.forward(new ParameterStore(manager, false), new NDList(x), training)
                .singletonOrThrow()
                .toFloatArray();
    }

    @Test
    @DisplayName("module_dropout = 1 skips the adapter in training, never in eval")
    void moduleDropout() {
        LoHaLinear layer = layer(0.0, 1.0);
        float[] base = run(layer.baseLayer(), false);
        assertArrayEquals(base, run(layer, true), 0f);
        float[] eval = run(layer, false);
        assertTrue(Math.abs(eval[0] - base[0]) > 1e-6 || Math.abs(eval[1] - base[1]) > 1e-6, "adapter used in eval");
    }

    @Test
    @DisplayName("rank_dropout zeroes whole output rows of the delta and rescales the kept ones by 1/kept share")
    void rankDropout() {
        LoHaLinear layer = layer(0.5, 0.0);
        float[] base = run(layer.baseLayer(), false);
        float[] full = run(layer, false);
        float[] train = run(layer, true);
        int kept = 0;
        Boolean[] rowKept = new Boolean[5];
        for (int o = 0; o < 5; o++) {
            rowKept[o] = Math.abs(train[o] - base[o]) > 1e-7;
            kept += rowKept[o] ? 1 : 0;
        }
        assertTrue(kept > 0 && kept < 5, "this seed keeps some rows and drops others: " + kept);
        double scale = 5.0 / kept;
        for (int r = 0; r < 3; r++) {
            for (int o = 0; o < 5; o++) {
                double d = full[r * 5 + o] - base[r * 5 + o];
                double t = train[r * 5 + o] - base[r * 5 + o];
                assertEquals(rowKept[o] ? d * scale : 0.0, t, 1e-5, "row " + r + ", output " + o);
            }
        }
    }

    @Test
    @DisplayName("an adapter too large to draw is refused and leaves no factor behind; the name can be used again")
    void failedAddLeavesNothing() {
        Linear base = Init.linear(6, 5, new Random(2));
        base.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 6));
        LoHaLinear layer = new LoHaLinear(base);
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> layer.updateLayer("a", 1 << 30, 4, 0.0, 0.0, false, new Random(3)));
        assertTrue(layer.adapterNames().isEmpty(), "no adapter recorded");
        assertEquals(null, layer.parameter("hada_w1_a", "a"), "no factor left behind");
        layer.updateLayer("a", 2, 4, 0.0, 0.0, false, new Random(3));
        assertEquals(java.util.Set.of("a"), layer.adapterNames());
    }
}
