package ai.peft4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("UnaryModule: one array in, one array out")
class UnaryModuleTest {

    @Test
    @DisplayName("DJL's generic forward runs the module's own forward on the single input")
    void genericForwardIsTheTypedOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = m.randomNormal(new Shape(2, 3, 4));
            List<UnaryModule> modules = List.of(
                    new Linear(4, 5, true),
                    new LayerNorm(4, 1e-5f, true),
                    new RmsNorm(4, 1e-6f),
                    new Conv1D(5, 4),
                    new Dropout(0.5));
            for (UnaryModule module : modules) {
                module.initialize(m, DataType.FLOAT32, x.getShape());
                NDArray direct = module.forward(ps, x, false);
                NDArray generic = module.forward(ps, new NDList(x), false).singletonOrThrow();
                assertEquals(direct.getShape(), generic.getShape(), module.toString());
                assertArrayEquals(direct.toFloatArray(), generic.toFloatArray(), module.toString());
            }
            assertThrows(
                    IndexOutOfBoundsException.class,
                    () -> new Dropout(0.1).forward(ps, new NDList(x, x), false),
                    "exactly one input");
        }
    }

    @Test
    @DisplayName("the output shape is the input's unless the layer changes it")
    void outputShapes() {
        Shape[] in = {new Shape(2, 3, 4)};
        assertArrayEquals(in, new LayerNorm(4, 1e-5f, true).getOutputShapes(in));
        assertArrayEquals(in, new Dropout(0.1).getOutputShapes(in));
        assertArrayEquals(new Shape[] {new Shape(2, 3, 7)}, new Linear(4, 7, false).getOutputShapes(in));
        assertArrayEquals(new Shape[] {new Shape(2, 3, 4, 6)}, new Embedding(10, 6, null).getOutputShapes(in));
    }
}
