package ai.peft4j.tuners.lora;

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

/** LoRA's layer passes the tuner-layer contract on each base it supports. */
@DisplayName("LoraLinear keeps the tuner-layer contract")
class LoraLinearContractTest {

    /** in = 6, out = 5; a batch of 2 sequences of 3 tokens. */
    static final int IN = 6;

    static final int OUT = 5;

    static TunerLayerContract.Fixture<LoraConfig> fixture(LayerFactory<LoraConfig> factory, Supplier<Block> newBase) {
        return fixture(factory, newBase, false);
    }

    static TunerLayerContract.Fixture<LoraConfig> fixture(
            LayerFactory<LoraConfig> factory, Supplier<Block> newBase, boolean dora) {
        return new TunerLayerContract.Fixture<>() {
            @Override
            public LayerFactory<LoraConfig> factory() {
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

            @Override
            public LoraConfig identityConfig() {
                return LoraConfig.builder()
                        .r(2)
                        .loraAlpha(4)
                        .targetModules("proj")
                        .useDora(dora)
                        .build();
            }

            @Override
            public LoraConfig randomConfig() {
                return LoraConfig.builder()
                        .r(3)
                        .loraAlpha(6)
                        .loraDropout(0.1)
                        .targetModules("proj")
                        .initLoraWeights(false)
                        .useDora(dora)
                        .build();
            }

            @Override
            public Shape inputShape() {
                return new Shape(2, 3, IN);
            }

            @Override
            public boolean mergesSeveralExactly() {
                return !dora;
            }
        };
    }

    @Nested
    @DisplayName("on peft4j's Linear")
    class OnLinear extends TunerLayerContract<LoraConfig> {
        @Override
        protected Fixture<LoraConfig> fixture() {
            return LoraLinearContractTest.fixture(LoraLayerFactory.LINEAR, () -> new Linear(IN, OUT, true));
        }
    }

    @Nested
    @DisplayName("on DJL's Linear")
    class OnDjlLinear extends TunerLayerContract<LoraConfig> {
        @Override
        protected Fixture<LoraConfig> fixture() {
            return LoraLinearContractTest.fixture(
                    LoraLayerFactory.LINEAR,
                    () -> ai.djl.nn.core.Linear.builder().setUnits(OUT).build());
        }
    }

    @Nested
    @DisplayName("with DoRA on peft4j's Linear")
    class DoraOnLinear extends TunerLayerContract<LoraConfig> {
        @Override
        protected Fixture<LoraConfig> fixture() {
            return LoraLinearContractTest.fixture(LoraLayerFactory.LINEAR, () -> new Linear(IN, OUT, true), true);
        }
    }

    @Nested
    @DisplayName("with DoRA on Conv1D (fan_in_fan_out)")
    class DoraOnConv1D extends TunerLayerContract<LoraConfig> {
        @Override
        protected Fixture<LoraConfig> fixture() {
            return LoraLinearContractTest.fixture(LoraLayerFactory.CONV1D, () -> new Conv1D(OUT, IN), true);
        }
    }

    @Nested
    @DisplayName("on Conv1D (fan_in_fan_out)")
    class OnConv1D extends TunerLayerContract<LoraConfig> {
        @Override
        protected Fixture<LoraConfig> fixture() {
            return LoraLinearContractTest.fixture(LoraLayerFactory.CONV1D, () -> new Conv1D(OUT, IN));
        }
    }
}
