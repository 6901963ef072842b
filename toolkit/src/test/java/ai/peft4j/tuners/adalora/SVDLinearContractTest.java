package ai.peft4j.tuners.adalora;

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
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/**
 * AdaLoRA's layer passes the tuner-layer contract on Linear (peft4j's and DJL's) and Conv1D. PEFT 0.10's AdaLoRA has
 * no no-op start (A, B and E are all drawn), so the identity config is a rank-0 adapter, which AdaLoRA allows.
 */
@DisplayName("SVDLinear keeps the tuner-layer contract")
class SVDLinearContractTest {

    static final int IN = 8;
    static final int OUT = 6;

    static TunerLayerContract.Fixture<AdaLoraConfig> fixture(
            LayerFactory<AdaLoraConfig> factory, Supplier<Block> newBase) {
        return new TunerLayerContract.Fixture<>() {
            @Override
            public LayerFactory<AdaLoraConfig> factory() {
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
            public AdaLoraConfig identityConfig() {
                return AdaLoraConfig.builder()
                        .initR(0)
                        .targetR(0)
                        .targetModules("proj")
                        .build();
            }

            @Override
            public AdaLoraConfig randomConfig() {
                return AdaLoraConfig.builder()
                        .initR(3)
                        .targetR(1)
                        .loraAlpha(4)
                        .initLoraWeights(false)
                        .targetModules("proj")
                        .build();
            }

            @Override
            public Shape inputShape() {
                return new Shape(2, 3, IN);
            }

            @Override
            public Set<String> frozenPerAdapter() {
                return Set.of("ranknum");
            }
        };
    }

    @Nested
    @DisplayName("on peft4j's Linear")
    class OnLinear extends TunerLayerContract<AdaLoraConfig> {
        @Override
        protected Fixture<AdaLoraConfig> fixture() {
            return SVDLinearContractTest.fixture(AdaLoraModel.LINEAR, () -> new Linear(IN, OUT, true));
        }
    }

    @Nested
    @DisplayName("on DJL's Linear")
    class OnDjlLinear extends TunerLayerContract<AdaLoraConfig> {
        @Override
        protected Fixture<AdaLoraConfig> fixture() {
            return SVDLinearContractTest.fixture(
                    AdaLoraModel.LINEAR,
                    () -> ai.djl.nn.core.Linear.builder().setUnits(OUT).build());
        }
    }

    @Nested
    @DisplayName("on Conv1D (weight stored [in, out])")
    class OnConv1D extends TunerLayerContract<AdaLoraConfig> {
        @Override
        protected Fixture<AdaLoraConfig> fixture() {
            return SVDLinearContractTest.fixture(AdaLoraModel.CONV1D, () -> new Conv1D(OUT, IN));
        }
    }
}
