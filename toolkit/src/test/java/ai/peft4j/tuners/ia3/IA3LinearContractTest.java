package ai.peft4j.tuners.ia3;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.initializer.Initializer;
import ai.peft4j.nn.Conv1D;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.LayerFactory;
import ai.peft4j.tuners.TunerLayerContract;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/** IA3's layer passes the tuner-layer contract on each base it supports, scaling outputs and inputs. */
@DisplayName("IA3Linear keeps the tuner-layer contract")
class IA3LinearContractTest {

    /** in = 6, out = 5; a batch of 2 sequences of 3 tokens. */
    static final int IN = 6;

    static final int OUT = 5;

    static TunerLayerContract.Fixture<IA3Config> fixture(
            LayerFactory<IA3Config> factory, Supplier<Block> newBase, boolean feedforward) {
        return new TunerLayerContract.Fixture<>() {
            @Override
            public LayerFactory<IA3Config> factory() {
                return factory;
            }

            @Override
            public Block newBase(NDManager manager, Random rnd) {
                Block base = newBase.get();
                base.getParameters().values().forEach(p -> p.setInitializer(Initializer.ZEROS));
                base.initialize(manager, DataType.FLOAT32, new Shape(1, IN));
                ModuleTree.namedParameters(base)
                        .values()
                        .forEach(p -> Weights.copyInto(
                                p.getArray(),
                                Weights.normal(manager, p.getArray().getShape(), 0, 0.5, rnd)));
                return base;
            }

            private IA3Config.Builder config() {
                IA3Config.Builder b = IA3Config.builder().targetModules("proj");
                return feedforward ? b.feedforwardModules("proj") : b.feedforwardModules();
            }

            @Override
            public IA3Config identityConfig() {
                return config().build();
            }

            @Override
            public IA3Config randomConfig() {
                return config().initIa3Weights(false).build();
            }

            @Override
            public Shape inputShape() {
                return new Shape(2, 3, IN);
            }
        };
    }

    @Nested
    @DisplayName("on peft4j's Linear, scaling the output")
    class OnLinear extends TunerLayerContract<IA3Config> {
        @Override
        protected Fixture<IA3Config> fixture() {
            return IA3LinearContractTest.fixture(IA3LayerFactory.LINEAR, () -> new Linear(IN, OUT, true), false);
        }
    }

    @Nested
    @DisplayName("on peft4j's Linear, feed-forward: scaling the input")
    class OnLinearFeedforward extends TunerLayerContract<IA3Config> {
        @Override
        protected Fixture<IA3Config> fixture() {
            return IA3LinearContractTest.fixture(IA3LayerFactory.LINEAR, () -> new Linear(IN, OUT, true), true);
        }
    }

    @Nested
    @DisplayName("on DJL's Linear")
    class OnDjlLinear extends TunerLayerContract<IA3Config> {
        @Override
        protected Fixture<IA3Config> fixture() {
            return IA3LinearContractTest.fixture(
                    IA3LayerFactory.LINEAR,
                    () -> ai.djl.nn.core.Linear.builder().setUnits(OUT).build(),
                    false);
        }
    }

    @Nested
    @DisplayName("on Conv1D (fan_in_fan_out), scaling the output")
    class OnConv1D extends TunerLayerContract<IA3Config> {
        @Override
        protected Fixture<IA3Config> fixture() {
            return IA3LinearContractTest.fixture(IA3LayerFactory.CONV1D, () -> new Conv1D(OUT, IN), false);
        }
    }

    @Nested
    @DisplayName("on Conv1D (fan_in_fan_out), feed-forward")
    class OnConv1DFeedforward extends TunerLayerContract<IA3Config> {
        @Override
        protected Fixture<IA3Config> fixture() {
            return IA3LinearContractTest.fixture(IA3LayerFactory.CONV1D, () -> new Conv1D(OUT, IN), true);
        }
    }
}
