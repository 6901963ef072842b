package ai.peft4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.Losses;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.tuners.Initialization;
import ai.peft4j.tuners.ModulesToSaveWrapper;
import ai.peft4j.tuners.lora.LoraConfig;
import ai.peft4j.tuners.lora.LoraLinear;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("PeftModel")
class PeftModelTest {

    @Nested
    @DisplayName("on the tutorial's models, counted without weights")
    class Tutorial {

        @Test
        @DisplayName("opt-350m with r=16 on q_proj,v_proj prints the tutorial's line")
        void opt350m() {
            OptForCausalLM lm = new OptForCausalLM(OptConfig.named("facebook/opt-350m"));
            PeftModel peft = Peft.lora()
                    .r(16)
                    .alpha(32)
                    .dropout(0.05)
                    .targets("q_proj", "v_proj")
                    .task(TaskType.CAUSAL_LM)
                    .apply(lm);
            assertEquals(
                    "trainable params: 1,572,864 || all params: 332,769,280 || trainable%: 0.472659014678278",
                    peft.getNbTrainableParameters().toString());
            assertTrue(peft instanceof PeftModelForCausalLM);
            assertTrue(
                    ModuleTree.uniqueParameters(peft).values().stream().noneMatch(Parameter::isInitialized),
                    "nothing was allocated");
            assertEquals("facebook/opt-350m", peft.activePeftConfig().baseModelNameOrPath());
        }

        @Test
        @DisplayName("opt-125m with r=16 on q_proj,v_proj")
        void opt125m() {
            PeftModel peft = Peft.getPeftModel(
                    new OptForCausalLM(OptConfig.named("facebook/opt-125m")),
                    Peft.lora().r(16).targets("q_proj", "v_proj").build());
            assertEquals(
                    "trainable params: 589,824 || all params: 125,829,120 || trainable%: 0.46875",
                    peft.getNbTrainableParameters().toString());
        }

        @Test
        @DisplayName("default targets come from the model type, all-linear skips the LM head")
        void defaultsAndAllLinear() {
            PeftModel byDefault = Peft.lora().apply(new OptForCausalLM(OptConfig.named("facebook/opt-125m")));
            assertEquals(
                    12 * 2,
                    ((ai.peft4j.tuners.lora.LoraModel) byDefault.baseModel())
                            .loraLayers()
                            .size());
            PeftModel all = Peft.getPeftModel(
                    new OptForCausalLM(OptConfig.named("facebook/opt-350m")),
                    LoraConfig.builder().targetAllLinear().build());
            Map<String, LoraLinear> layers = ((ai.peft4j.tuners.lora.LoraModel) all.baseModel()).loraLayers();
            assertEquals(24 * 6 + 2, layers.size(), "q,k,v,out,fc1,fc2 per layer + project_in/out");
            assertFalse(layers.containsKey("lm_head"));
        }

        @Test
        @DisplayName("targets that match nothing are named with the modules that exist")
        void noMatch() {
            OptForCausalLM lm = new OptForCausalLM(OptConfig.named("facebook/opt-125m"));
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> Peft.lora().targets("q_proj_typo").apply(lm));
            assertTrue(e.getMessage().contains("q_proj_typo"), e.getMessage());
            assertTrue(e.getMessage().contains("q_proj"), e.getMessage());
            assertTrue(ModuleTree.namedModules(lm).values().stream().noneMatch(b -> b instanceof LoraLinear));
        }

        @Test
        @DisplayName("a non-linear target is refused with the reason, and nothing is wrapped")
        void nonLinear() {
            OptForCausalLM lm = new OptForCausalLM(OptConfig.named("facebook/opt-125m"));
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> Peft.lora().targets("q_proj", "self_attn_layer_norm").apply(lm));
            assertTrue(e.getMessage().contains("is not supported"), e.getMessage());
            assertTrue(
                    ModuleTree.namedModules(lm).values().stream().noneMatch(b -> b instanceof LoraLinear),
                    "q_proj was checked before anything changed");
        }

        @Test
        @DisplayName("SEQ_CLS with all-linear: the classifier is trained whole, with no LoRA inside it")
        void classifierTrainedWhole() {
            var roberta = ai.peft4j.models.auto.AutoModelForSequenceClassification.fromPretrained(
                    ai.peft4j.testing.Golden.hfReference().resolve("tiny_roberta"));
            PeftModel peft = Peft.getPeftModel(
                    roberta,
                    LoraConfig.builder()
                            .targetAllLinear()
                            .taskType(TaskType.SEQ_CLS)
                            .build());
            assertTrue(ModuleTree.get(roberta, "classifier") instanceof ModulesToSaveWrapper);
            assertTrue(ModuleTree.namedModules(roberta).entrySet().stream()
                    .filter(e -> e.getKey().startsWith("classifier"))
                    .noneMatch(e -> e.getValue() instanceof LoraLinear));
            assertTrue(ModuleTree.get(roberta, "roberta.encoder.layer.0.attention.self.query") instanceof LoraLinear);
            assertTrue(peft.trainableParameters().keySet().stream()
                    .anyMatch(k -> k.contains("classifier.modules_to_save.default.dense.weight")));
            roberta.close();
        }

        @Test
        @DisplayName("LoftQ initialisation is refused before anything changes")
        void loftq() {
            OptForCausalLM lm = new OptForCausalLM(OptConfig.named("facebook/opt-125m"));
            LoraConfig config = LoraConfig.builder()
                    .targetModules("q_proj")
                    .initLoraWeights("loftq")
                    .loftqConfig(Map.of("loftq_bits", 4))
                    .build();
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Peft.getPeftModel(lm, config));
            assertTrue(e.getMessage().contains("loftq"), e.getMessage());
            assertTrue(ModuleTree.namedModules(lm).values().stream().noneMatch(b -> b instanceof LoraLinear));
        }

        @Test
        @DisplayName("task CAUSAL_LM on a custom model is explained")
        void causalOnCustom() {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> Peft.lora().targets("0").task(TaskType.CAUSAL_LM).apply(new SequentialBlock()));
            assertTrue(e.getMessage().contains("CAUSAL_LM"), e.getMessage());
        }
    }

    /** PEFT's custom-model example: an MLP with seq.0, seq.2 adapted and seq.4 saved whole. */
    static final class Mlp extends AbstractBlock {
        final SequentialBlock seq;

        Mlp() {
            seq = addChildBlock(
                    "seq",
                    new SequentialBlock()
                            .add(ai.djl.nn.core.Linear.builder().setUnits(20).build())
                            .add(Activation::relu)
                            .add(ai.djl.nn.core.Linear.builder().setUnits(20).build())
                            .add(Activation::relu)
                            .add(ai.djl.nn.core.Linear.builder().setUnits(2).build()));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
            return seq.forward(ps, in, training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return seq.getOutputShapes(inputShapes);
        }

        @Override
        protected void initializeChildBlocks(NDManager m, DataType t, Shape... shapes) {
            seq.initialize(m, t, shapes);
        }
    }

    @Nested
    @DisplayName("on a user's DJL block tree")
    class CustomModel {

        NDManager manager;

        @BeforeEach
        void open() {
            manager = NDManager.newBaseManager();
            Engine.getInstance().setRandomSeed(3);
            Initialization.manualSeed(3);
        }

        @AfterEach
        void close() {
            manager.close();
        }

        Mlp mlp() {
            Mlp m = new Mlp();
            m.initialize(manager, DataType.FLOAT32, new Shape(1, 10));
            return m;
        }

        static Map<String, float[]> snapshot(Block b) {
            Map<String, float[]> out = new LinkedHashMap<>();
            ModuleTree.namedParameters(b)
                    .forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
            return out;
        }

        NDArray logits(Block model, NDArray x) {
            return model.forward(new ParameterStore(manager, false), new NDList(x), false)
                    .singletonOrThrow();
        }

        @Test
        @DisplayName("trains under a plain GradientCollector loop, base frozen, and reloads from disk")
        void trainSaveReload(@TempDir Path dir) throws Exception {
            Mlp base = mlp();
            Map<String, float[]> baseBefore = snapshot(base);
            PeftModel peft = Peft.lora()
                    .r(8)
                    .targets("seq.0", "seq.2")
                    .modulesToSave("seq.4")
                    .apply(base);

            assertTrue(ModuleTree.get(base, "seq.0") instanceof LoraLinear);
            assertTrue(ModuleTree.get(base, "seq.4") instanceof ModulesToSaveWrapper);
            long expectedTrainable = (10 * 8 + 8 * 20) + (20 * 8 + 8 * 20) + (20 * 2 + 2);
            assertEquals(expectedTrainable, peft.getNbTrainableParameters().trainable());

            Random rnd = new Random(0);
            float[] xs = new float[64 * 10];
            float[] ys = new float[64];
            for (int i = 0; i < 64; i++) {
                float s = 0;
                for (int j = 0; j < 10; j++) {
                    xs[i * 10 + j] = (float) rnd.nextGaussian();
                    s += xs[i * 10 + j];
                }
                ys[i] = s > 0 ? 1 : 0;
            }
            float first = 0;
            float last = 0;
            for (int step = 0; step < 60; step++) {
                try (NDManager stepManager = manager.newSubManager()) {
                    NDArray x = stepManager.create(xs, new Shape(64, 10));
                    NDArray y = stepManager.create(ys, new Shape(64)).toType(DataType.INT64, false);
                    ParameterStore ps = new ParameterStore(stepManager, false);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray out = peft.forward(ps, new NDList(x), true).singletonOrThrow();
                        NDArray loss = Losses.crossEntropy(out, y);
                        gc.backward(loss);
                        if (step == 0) {
                            first = loss.getFloat();
                        }
                        last = loss.getFloat();
                    }
                    for (Parameter p : peft.trainableParameters().values()) {
                        NDArray grad = p.getArray().getGradient();
                        p.getArray().subi(grad.mul(0.1f));
                        grad.subi(grad);
                    }
                }
            }
            assertTrue(last < first * 0.7, "loss fell from " + first + " to " + last);
            Map<String, float[]> baseAfter = new LinkedHashMap<>();
            baseAfter.put(
                    "seq.0.weight",
                    ((LoraLinear) ModuleTree.get(base, "seq.0"))
                            .baseLayer()
                            .getParameters()
                            .get("weight")
                            .getArray()
                            .toFloatArray());
            assertArrayEquals(
                    baseBefore.get("seq.0.weight"),
                    baseAfter.get("seq.0.weight"),
                    0f,
                    "base weights unchanged bit for bit");
            assertArrayEquals(
                    baseBefore.get("seq.4.weight"),
                    ModuleTree.get(base, "seq.4.original_module")
                            .getParameters()
                            .get("weight")
                            .getArray()
                            .toFloatArray(),
                    0f);

            peft.savePretrained(dir);
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
                assertEquals(
                        new TreeSet<>(List.of(
                                "base_model.model.seq.0.lora_A.weight", "base_model.model.seq.0.lora_B.weight",
                                "base_model.model.seq.2.lora_A.weight", "base_model.model.seq.2.lora_B.weight",
                                "base_model.model.seq.4.weight", "base_model.model.seq.4.bias")),
                        new TreeSet<>(f.names()));
            }
            NDArray probe = manager.create(xs, new Shape(64, 10));
            float[] trained = logits(peft, probe).toFloatArray();

            Mlp fresh = mlp();
            ModuleTree.namedParameters(fresh).forEach((k, p) -> p.getArray().set(baseBefore.get(k)));
            PeftModel reloaded = PeftModel.fromPretrained(fresh, dir);
            assertArrayEquals(trained, logits(reloaded, probe).toFloatArray(), 1e-6f);
            assertEquals(0, reloaded.getNbTrainableParameters().trainable());
        }

        @Test
        @DisplayName("an adapter named like a path segment (\"0\") saves PEFT's keys and trains only itself")
        void adapterNamedZero(@TempDir Path dir) throws Exception {
            Mlp base = mlp();
            PeftModel peft = Peft.getPeftModel(
                    base,
                    LoraConfig.builder()
                            .targetModules("seq.0", "seq.2")
                            .modulesToSave("seq.4")
                            .build(),
                    "0");
            assertEquals(
                    new TreeSet<>(List.of(
                            "base_model.model.seq.0.lora_A.0.weight",
                            "base_model.model.seq.0.lora_B.0.weight",
                            "base_model.model.seq.2.lora_A.0.weight",
                            "base_model.model.seq.2.lora_B.0.weight",
                            "base_model.model.seq.4.modules_to_save.0.weight",
                            "base_model.model.seq.4.modules_to_save.0.bias")),
                    new TreeSet<>(peft.trainableParameters().keySet()));
            peft.savePretrained(dir);
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("0/adapter_model.safetensors"))) {
                assertEquals(
                        new TreeSet<>(List.of(
                                "base_model.model.seq.0.lora_A.weight", "base_model.model.seq.0.lora_B.weight",
                                "base_model.model.seq.2.lora_A.weight", "base_model.model.seq.2.lora_B.weight",
                                "base_model.model.seq.4.weight", "base_model.model.seq.4.bias")),
                        new TreeSet<>(f.names()));
            }
        }

        @Test
        @DisplayName("merge_and_unload of a custom model keeps its outputs and leaves plain blocks")
        void mergeAndUnload() {
            Mlp base = mlp();
            LoraConfig config = LoraConfig.builder()
                    .targetModules("seq.0", "seq.2")
                    .initLoraWeights(false)
                    .build();
            PeftModel peft = Peft.getPeftModel(base, config);
            NDArray x = manager.randomNormal(new Shape(4, 10));
            float[] adapted = logits(peft, x).toFloatArray();
            Block merged = peft.mergeAndUnload();
            assertTrue(ModuleTree.get(merged, "seq.0") instanceof ai.djl.nn.core.Linear);
            assertArrayEquals(adapted, logits(merged, x).toFloatArray(), 1e-5f);
        }

        @Test
        @DisplayName("a new adapter with PEFT's default init changes nothing until trained")
        void defaultInitIsIdentity() {
            Mlp base = mlp();
            NDArray x = manager.randomNormal(new Shape(4, 10));
            float[] before = logits(base, x).toFloatArray();
            PeftModel peft = Peft.lora().targets("seq.0").apply(base);
            assertArrayEquals(before, logits(peft, x).toFloatArray(), 0f);
            LoraLinear l = (LoraLinear) ModuleTree.get(base, "seq.0");
            float bound = (float) (1 / Math.sqrt(10));
            for (float a : l.loraA("default").weight().getArray().toFloatArray()) {
                assertTrue(Math.abs(a) <= bound, "kaiming-uniform(a=sqrt(5)) bound");
            }
            assertEquals(0f, l.loraB("default").weight().getArray().abs().sum().getFloat());
        }

        @Test
        @DisplayName("rsLoRA scales by alpha/sqrt(r), rank_pattern sets per-module ranks")
        void scalingRules() {
            Mlp base = mlp();
            LoraConfig config = LoraConfig.builder()
                    .targetModules("seq.0", "seq.2")
                    .r(4)
                    .loraAlpha(8)
                    .useRslora(true)
                    .rankPattern(Map.of("seq.2", 2))
                    .build();
            Peft.getPeftModel(base, config);
            LoraLinear l0 = (LoraLinear) ModuleTree.get(base, "seq.0");
            LoraLinear l2 = (LoraLinear) ModuleTree.get(base, "seq.2");
            assertEquals(8 / Math.sqrt(4), l0.scaling("default"), 1e-12);
            assertEquals(2, l2.r("default"));
            assertEquals(8 / Math.sqrt(2), l2.scaling("default"), 1e-12);
        }
    }
}
