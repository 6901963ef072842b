package ai.peft4j.tuners.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.peft4j.nn.Embedding;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.LayerFactory;
import ai.peft4j.tuners.TunerLayerContract;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;

/** LoRA on an embedding table passes the tuner-layer contract (ids include the padding index). */
@DisplayName("LoraEmbedding keeps the tuner-layer contract")
class LoraEmbeddingContractTest extends TunerLayerContract<LoraConfig> {

    static final int VOCAB = 10;
    static final int DIM = 5;

    @Override
    protected Fixture<LoraConfig> fixture() {
        return new Fixture<>() {
            @Override
            public LayerFactory<LoraConfig> factory() {
                return LoraLayerFactory.EMBEDDING;
            }

            @Override
            public Block newBase(NDManager manager, Random rnd) {
                Embedding base = new Embedding(VOCAB, DIM, 1);
                base.weight().setInitializer((m, shape, dt) -> Weights.normal(m, shape, 0, 0.5, rnd));
                base.initialize(manager, DataType.FLOAT32, new Shape(1, 3));
                return base;
            }

            @Override
            public LoraConfig identityConfig() {
                return LoraConfig.builder()
                        .r(2)
                        .loraAlpha(4)
                        .targetModules("proj")
                        .build();
            }

            @Override
            public LoraConfig randomConfig() {
                return LoraConfig.builder()
                        .r(3)
                        .loraAlpha(6)
                        .targetModules("proj")
                        .initLoraWeights(false)
                        .build();
            }

            @Override
            public Shape inputShape() {
                return new Shape(2, 3);
            }

            @Override
            public NDArray newInput(NDManager manager, Random rnd) {
                return manager.create(new long[] {0, 1, 9, 4, 1, 7}, inputShape());
            }
        };
    }
}
