package ai.peft4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("ModuleTree")
class ModuleTreeTest {

    NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** A toolkit block with nested children, like an HF module. */
    static final class Mlp extends ModuleBlock {
        Mlp() {
            addModule("fc1", new Linear(4, 8, true));
            addModule("fc2", new Linear(8, 2, false));
            addModule("norm", new LayerNorm(2, 1e-5f, true));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
            NDArray h = Activation.relu(call("fc1", ps, training, in.singletonOrThrow()));
            return new NDList(call("norm", ps, training, call("fc2", ps, training, h)));
        }
    }

    static final class Outer extends ModuleBlock {
        Outer() {
            ModuleList<Mlp> blocks = addModule("blocks", new ModuleList<>());
            blocks.add(new Mlp());
            blocks.add(new Mlp());
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
            throw new UnsupportedOperationException();
        }
    }

    @Nested
    @DisplayName("on the toolkit's own blocks")
    class OwnBlocks {

        @Test
        @DisplayName("names modules and parameters with dotted PyTorch paths, in state-dict order")
        void names() {
            Outer o = new Outer();
            assertEquals(
                    List.of(
                            "",
                            "blocks",
                            "blocks.0",
                            "blocks.0.fc1",
                            "blocks.0.fc2",
                            "blocks.0.norm",
                            "blocks.1",
                            "blocks.1.fc1",
                            "blocks.1.fc2",
                            "blocks.1.norm"),
                    List.copyOf(ModuleTree.namedModules(o).keySet()));
            assertEquals(
                    List.of(
                            "blocks.0.fc1.weight",
                            "blocks.0.fc1.bias",
                            "blocks.0.fc2.weight",
                            "blocks.0.norm.weight",
                            "blocks.0.norm.bias"),
                    List.copyOf(ModuleTree.namedParameters(o).keySet()).subList(0, 5));
        }

        @Test
        @DisplayName("counts parameters from shapes without allocating")
        void counts() {
            Outer o = new Outer();
            long perMlp = 4 * 8 + 8 + 8 * 2 + 2 + 2;
            assertEquals(2 * perMlp, ModuleTree.countParameters(o));
            assertTrue(ModuleTree.namedParameters(o).values().stream().noneMatch(p -> p.isInitialized()));
        }

        @Test
        @DisplayName("gets a module by path, and explains a wrong path")
        void get() {
            Outer o = new Outer();
            assertTrue(ModuleTree.get(o, "blocks.1.fc2") instanceof Linear);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> ModuleTree.get(o, "blocks.1.fc3"));
            assertTrue(e.getMessage().contains("'blocks.1' has no child 'fc3'"), e.getMessage());
            assertTrue(e.getMessage().contains("[fc1, fc2, norm]"), e.getMessage());
        }

        @Test
        @DisplayName("replaces a child so that forward runs the new block")
        void replaceChangesForward() {
            Mlp mlp = new Mlp();
            mlp.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
            NDArray x = manager.ones(new Shape(1, 4));
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray before = mlp.forward(ps, new NDList(x), false).singletonOrThrow();

            Linear zero = new Linear(8, 2, false);
            zero.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            zero.weight().getArray().set(new float[16]);
            Block old = ModuleTree.replace(mlp, "fc2", zero);

            assertTrue(old instanceof Linear);
            assertSame(zero, ModuleTree.get(mlp, "fc2"));
            assertSame(zero, mlp.getChildren().valueAt(1), "DJL's child list sees the new block");
            NDArray after = mlp.forward(ps, new NDList(x), false).singletonOrThrow();
            // LayerNorm of zeros is its bias: different from before.
            assertArrayEquals(
                    mlp.namedChildren()
                            .get("norm")
                            .getParameters()
                            .get("bias")
                            .getArray()
                            .toFloatArray(),
                    after.toFloatArray(),
                    1e-6f);
            assertTrue(before.sub(after).abs().sum().getFloat() > 0);
        }

        @Test
        @DisplayName("prints like PyTorch")
        void describe() {
            String text = new Mlp().toString();
            assertTrue(text.contains("(fc1): Linear(in_features=4, out_features=8, bias=True)"), text);
            assertTrue(text.contains("(norm): LayerNorm((2,), eps=1.0E-5, elementwise_affine=True)"), text);
        }
    }

    @Nested
    @DisplayName("on a user's plain DJL blocks")
    class DjlBlocks {

        SequentialBlock mlp() {
            SequentialBlock seq = new SequentialBlock()
                    .add(ai.djl.nn.core.Linear.builder().setUnits(8).build())
                    .add(Activation::relu)
                    .add(ai.djl.nn.core.Linear.builder().setUnits(2).build());
            seq.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
            return seq;
        }

        @Test
        @DisplayName("names SequentialBlock children 0, 1, 2 like nn.Sequential")
        void sequentialNames() {
            SequentialBlock seq = mlp();
            assertEquals(
                    List.of("", "0", "1", "2"),
                    List.copyOf(ModuleTree.namedModules(seq).keySet()));
            assertEquals(
                    List.of("0.weight", "0.bias", "2.weight", "2.bias"),
                    List.copyOf(ModuleTree.namedParameters(seq).keySet()));
            assertEquals(4 * 8 + 8 + 8 * 2 + 2, ModuleTree.countParameters(seq));
        }

        @Test
        @DisplayName("replaces a child of a SequentialBlock, and its forward uses it")
        void replaceInSequential() {
            SequentialBlock seq = mlp();
            Linear zero = new Linear(8, 2, true);
            zero.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            zero.weight().getArray().set(new float[16]);
            zero.bias().getArray().set(new float[] {3, 4});
            ModuleTree.replace(seq, "2", zero);
            NDArray y = seq.forward(
                            new ParameterStore(manager, false), new NDList(manager.ones(new Shape(1, 4))), false)
                    .singletonOrThrow();
            assertArrayEquals(new float[] {3, 4}, y.toFloatArray());
        }

        /** A hand-written DJL block that keeps its child in a field. */
        static final class Holder extends AbstractBlock {
            Block inner;

            Holder(Block inner) {
                this.inner = addChildBlock("inner", inner);
            }

            @Override
            protected NDList forwardInternal(
                    ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
                return inner.forward(ps, in, training);
            }

            @Override
            public Shape[] getOutputShapes(Shape[] inputShapes) {
                return inner.getOutputShapes(inputShapes);
            }

            @Override
            protected void initializeChildBlocks(NDManager m, DataType t, Shape... shapes) {
                inner.initialize(m, t, shapes);
            }
        }

        @Test
        @DisplayName("replaces a child held in a field of a hand-written DJL block")
        void replaceField() {
            Holder h = new Holder(ai.djl.nn.core.Linear.builder().setUnits(2).build());
            h.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
            assertEquals(
                    List.of("", "inner"), List.copyOf(ModuleTree.namedModules(h).keySet()));
            Linear mine = new Linear(4, 2, false);
            ModuleTree.replace(h, "inner", mine);
            assertSame(mine, h.inner);
            assertSame(mine, ModuleTree.get(h, "inner"));
        }
    }
}
