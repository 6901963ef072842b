package ai.peft4j.tuners.lokr;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.initializer.Initializer;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.LayerFactory;
import ai.peft4j.tuners.TunerLayerContract;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/** LoKr's layer passes the tuner-layer contract on peft4j's and DJL's Linear. */
@DisplayName("LoKrLinear keeps the tuner-layer contract")
class LoKrLinearContractTest {

    static final int IN = 8;
    static final int OUT = 6;

    static TunerLayerContract.Fixture<LoKrConfig> fixture(Supplier<Block> newBase) {
        return new TunerLayerContract.Fixture<>() {
            @Override
            public LayerFactory<LoKrConfig> factory() {
                return LoKrModel.LINEAR;
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
            public LoKrConfig identityConfig() {
                return LoKrConfig.builder().r(2).alpha(4).targetModules("proj").build();
            }

            @Override
            public LoKrConfig randomConfig() {
                return LoKrConfig.builder()
                        .r(1)
                        .decomposeBoth(true)
                        .targetModules("proj")
                        .initWeights(false)
                        .build();
            }

            @Override
            public Shape inputShape() {
                return new Shape(2, 3, IN);
            }
        };
    }

    @Nested
    @DisplayName("on peft4j's Linear")
    class OnLinear extends TunerLayerContract<LoKrConfig> {
        @Override
        protected Fixture<LoKrConfig> fixture() {
            return LoKrLinearContractTest.fixture(() -> new Linear(IN, OUT, true));
        }
    }

    @Nested
    @DisplayName("on DJL's Linear")
    class OnDjlLinear extends TunerLayerContract<LoKrConfig> {
        @Override
        protected Fixture<LoKrConfig> fixture() {
            return LoKrLinearContractTest.fixture(
                    () -> ai.djl.nn.core.Linear.builder().setUnits(OUT).build());
        }
    }
}
