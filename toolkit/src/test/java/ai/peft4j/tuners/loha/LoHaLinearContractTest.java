package ai.peft4j.tuners.loha;

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

/** LoHa's layer passes the tuner-layer contract on peft4j's and DJL's Linear. */
@DisplayName("LoHaLinear keeps the tuner-layer contract")
class LoHaLinearContractTest {

    static final int IN = 6;
    static final int OUT = 5;

    static TunerLayerContract.Fixture<LoHaConfig> fixture(Supplier<Block> newBase) {
        return new TunerLayerContract.Fixture<>() {
            @Override
            public LayerFactory<LoHaConfig> factory() {
                return LoHaModel.LINEAR;
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
            public LoHaConfig identityConfig() {
                return LoHaConfig.builder().r(2).alpha(4).targetModules("proj").build();
            }

            @Override
            public LoHaConfig randomConfig() {
                return LoHaConfig.builder()
                        .r(3)
                        .alpha(6)
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
    class OnLinear extends TunerLayerContract<LoHaConfig> {
        @Override
        protected Fixture<LoHaConfig> fixture() {
            return LoHaLinearContractTest.fixture(() -> new Linear(IN, OUT, true));
        }
    }

    @Nested
    @DisplayName("on DJL's Linear")
    class OnDjlLinear extends TunerLayerContract<LoHaConfig> {
        @Override
        protected Fixture<LoHaConfig> fixture() {
            return LoHaLinearContractTest.fixture(
                    () -> ai.djl.nn.core.Linear.builder().setUnits(OUT).build());
        }
    }
}
