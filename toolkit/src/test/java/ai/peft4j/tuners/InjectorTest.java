package ai.peft4j.tuners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.LayerNorm;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.tuners.lora.LoraConfig;
import ai.peft4j.tuners.lora.LoraLayerFactory;
import ai.peft4j.tuners.lora.LoraLinear;
import ai.peft4j.tuners.lora.LoraModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The generic injector: every target is checked before anything changes, a refusal says why in
 * words a user can act on, and the layer factories are an ordered list.
 */
@DisplayName("Injector")
class InjectorTest {

    static final String Q0 = "model.decoder.layers.0.self_attn.q_proj";
    static final Injector<LoraConfig> LORA = new Injector<>(LoraLayerFactory.ALL, Map.of());

    /** OPT-125m's module tree (12 decoder layers under {@code layers}), without weights. */
    static OptForCausalLM opt() {
        return new OptForCausalLM(OptConfig.named("facebook/opt-125m"));
    }

    static LoraConfig.Builder lora(String... targets) {
        return LoraConfig.builder().r(2).targetModules(targets);
    }

    /** Module path → module object, to prove that nothing was replaced. */
    static Map<String, Block> tree(Block model) {
        return new LinkedHashMap<>(ModuleTree.namedModules(model));
    }

    static void assertUnchanged(Map<String, Block> before, Block model) {
        Map<String, Block> after = ModuleTree.namedModules(model);
        assertEquals(before.keySet(), after.keySet(), "same module paths");
        before.forEach((path, b) -> assertSame(b, after.get(path), path));
    }

    @Test
    @DisplayName("layers_to_transform that selects no layer says so, with the layers there are")
    void layersToTransformOutOfRange() {
        OptForCausalLM lm = opt();
        Map<String, Block> before = tree(lm);
        LoraConfig config = lora("q_proj", "v_proj")
                .layersToTransform(40)
                .layersPattern("layers")
                .build();
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new LoraModel(lm).addAdapter("default", config, new Random(0)));
        assertEquals(
                "layers_to_transform [40] selects no layer: the model's layers are numbered 0..11 under"
                        + " 'layers'. Pick layer indices from that range.",
                e.getMessage());
        assertUnchanged(before, lm);
    }

    @Test
    @DisplayName("without layers_pattern the container is the one PEFT reads the index from")
    void layersToTransformWithoutPattern() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> LORA.plan(opt(), lora("fc1").layersToTransform(12, 13).build(), List.of()));
        assertTrue(
                e.getMessage()
                        .startsWith("layers_to_transform [12, 13] selects no layer: the model's layers"
                                + " are numbered 0..11 under 'layers'."),
                e.getMessage());
    }

    @Test
    @DisplayName("a layers_pattern that names no container is pointed out")
    void layersPatternNamesNoContainer() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> LORA.plan(
                        opt(),
                        lora("q_proj")
                                .layersToTransform(0)
                                .layersPattern("blocks")
                                .build(),
                        List.of()));
        assertTrue(
                e.getMessage()
                        .startsWith("layers_to_transform [0] selects no layer: none of the 12 modules that"
                                + " target_modules names sits in a numbered layer container named [blocks] (layers_pattern), e.g. "
                                + Q0 + "."),
                e.getMessage());
    }

    @Test
    @DisplayName("a target that matches nothing is reported with the nearest module names")
    void typoNamesNearestModules() {
        OptForCausalLM lm = opt();
        Map<String, Block> before = tree(lm);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> LORA.plan(lm, lora("q_prj").build(), List.of()));
        assertTrue(
                e.getMessage()
                        .startsWith("Target modules [q_prj] not found in the base model. Closest existing"
                                + " names: q_proj"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Module names available: "), e.getMessage());
        assertUnchanged(before, lm);
    }

    @Test
    @DisplayName("as in PEFT 0.10, names that match nothing are ignored when another name matched")
    void partialTypoStillApplies() {
        OptForCausalLM lm = opt();
        Injector.Plan<LoraConfig> plan = LORA.plan(lm, lora("q_proj", "v_prj").build(), List.of());
        assertEquals(12, plan.targets().size());
        assertTrue(plan.targets().stream().allMatch(t -> t.path().endsWith(".q_proj")));
    }

    @Test
    @DisplayName("exclude_modules is applied first; excluding everything is named as the reason")
    void exclusionsFirst() {
        OptForCausalLM lm = opt();
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> LORA.plan(
                        lm, lora("q_proj").excludeModules("self_attn.q_proj").build(), List.of()));
        assertEquals("All modules matching target_modules were excluded by exclude_modules.", e.getMessage());
        // Even a module no factory supports is not looked at once excluded.
        Injector.Plan<LoraConfig> plan = LORA.plan(
                lm,
                lora("q_proj", "self_attn_layer_norm")
                        .excludeModulesRegex(".*layer_norm")
                        .build(),
                List.of());
        assertEquals(12, plan.targets().size());
    }

    @Test
    @DisplayName("a target no factory accepts is refused before any module is replaced")
    void unsupportedTargetChangesNothing() {
        OptForCausalLM lm = opt();
        Map<String, Block> before = tree(lm);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LoraModel(lm)
                .addAdapter("default", lora("q_proj", "self_attn_layer_norm").build(), new Random(0)));
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "Target module model.decoder.layers.0.self_attn_layer_norm (LayerNorm)"
                                        + " is not supported. Currently, only Embedding, Linear (peft4j or DJL) and Conv1D layers are supported"),
                e.getMessage());
        assertUnchanged(before, lm);
    }

    @Test
    @DisplayName("a factory that fails half-way leaves the model as it was")
    void failedApplyIsUndone() {
        OptForCausalLM lm = opt();
        Map<String, Block> before = tree(lm);
        LayerFactory<LoraConfig> failsOnLayerThree = new LayerFactory<>() {
            @Override
            public boolean accepts(Block target, LoraConfig config) {
                return LoraLayerFactory.LINEAR.accepts(target, config);
            }

            @Override
            public TunerLayer inject(String path, Block target, String adapter, LoraConfig config, Random rnd) {
                if (path.contains(".layers.3.")) {
                    throw new IllegalStateException("no memory left");
                }
                return LoraLayerFactory.LINEAR.inject(path, target, adapter, config, rnd);
            }

            @Override
            public String description() {
                return "Linear";
            }
        };
        Injector<LoraConfig> injector = new Injector<>(List.of(failsOnLayerThree), Map.of());
        Injector.Plan<LoraConfig> plan =
                injector.plan(lm, lora("q_proj", "v_proj").build(), List.of());
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> plan.apply("default", lora("q_proj", "v_proj").build(), new Random(0)));
        assertEquals("no memory left", e.getMessage());
        assertUnchanged(before, lm);
    }

    @Test
    @DisplayName("a failed apply on a layer that already holds an adapter takes only the new adapter out")
    void failedSecondAdapterKeepsTheFirst() {
        OptForCausalLM lm = opt();
        LoraModel tuner = new LoraModel(lm);
        tuner.addAdapter("first", lora("q_proj").build(), new Random(0));
        Map<String, Block> before = tree(lm);
        LayerFactory<LoraConfig> failsLate = new LayerFactory<>() {
            @Override
            public boolean accepts(Block target, LoraConfig config) {
                return LoraLayerFactory.LINEAR.accepts(target, config);
            }

            @Override
            public TunerLayer inject(String path, Block target, String adapter, LoraConfig config, Random rnd) {
                if (path.contains(".layers.11.")) {
                    throw new IllegalStateException("late failure");
                }
                return LoraLayerFactory.LINEAR.inject(path, target, adapter, config, rnd);
            }

            @Override
            public String description() {
                return "Linear";
            }
        };
        Injector.Plan<LoraConfig> plan = new Injector<>(List.of(failsLate), Map.of())
                .plan(lm, lora("q_proj").build(), List.of());
        assertThrows(
                IllegalStateException.class,
                () -> plan.apply("second", lora("q_proj").build(), new Random(0)));
        assertUnchanged(before, lm);
        assertTrue(tuner.loraLayers().values().stream()
                .allMatch(l -> l.adapterNames().equals(Set.of("first"))));
    }

    @Test
    @DisplayName("a modules_to_save module that cannot be copied undoes the layers already injected")
    void failedModulesToSaveUndoesInjection() {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock mlp = new SequentialBlock()
                    .add(ai.djl.nn.core.Linear.builder().setUnits(4).build())
                    .add(Activation::relu);
            mlp.initialize(m, DataType.FLOAT32, new Shape(1, 3));
            Map<String, Block> before = tree(mlp);
            LoraModel tuner = new LoraModel(mlp);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> tuner.addAdapter(
                            "default", lora("0").modulesToSave("1").build(), new Random(0)));
            assertTrue(e.getMessage().startsWith("cannot copy"), e.getMessage());
            assertUnchanged(before, mlp);
            assertTrue(tuner.configs().isEmpty());
        }
    }

    @Test
    @DisplayName("factories are asked in order; a new layer type is one more list entry")
    void factoriesInOrder() {
        List<String> seen = new ArrayList<>();
        LayerFactory<LoraConfig> onLayerNorm = new LayerFactory<>() {
            @Override
            public boolean accepts(Block target, LoraConfig config) {
                return target instanceof LayerNorm;
            }

            @Override
            public TunerLayer inject(String path, Block target, String adapter, LoraConfig config, Random rnd) {
                seen.add(path);
                throw new UnsupportedOperationException("only planned here");
            }

            @Override
            public String description() {
                return "LayerNorm";
            }
        };
        Injector<LoraConfig> injector =
                new Injector<>(List.of(LoraLayerFactory.LINEAR, onLayerNorm, LoraLayerFactory.CONV1D), Map.of());
        Injector.Plan<LoraConfig> plan = injector.plan(
                opt(),
                lora("q_proj", "self_attn_layer_norm").layersToTransform(0).build(),
                List.of());
        assertEquals(
                Map.of(Q0, LoraLayerFactory.LINEAR, "model.decoder.layers.0.self_attn_layer_norm", onLayerNorm),
                plan.targets().stream().collect(Collectors.toMap(Injector.Target::path, Injector.Target::factory)));

        // The first factory that accepts wins.
        Injector<LoraConfig> layerNormFirst = new Injector<>(List.of(onLayerNorm, LoraLayerFactory.LINEAR), Map.of());
        assertTrue(layerNormFirst.plan(opt(), lora("q_proj").build(), List.of()).targets().stream()
                .allMatch(t -> t.factory() == LoraLayerFactory.LINEAR));
    }

    @Test
    @DisplayName("a second adapter goes into the layer the first one made")
    void secondAdapterReusesLayer() {
        OptForCausalLM lm = opt();
        LoraModel tuner = new LoraModel(lm);
        tuner.addAdapter("a", lora("q_proj").build(), new Random(0));
        LoraLinear layer = (LoraLinear) ModuleTree.get(lm, Q0);
        tuner.addAdapter("b", lora("q_proj").r(3).build(), new Random(0));
        assertSame(layer, ModuleTree.get(lm, Q0));
        assertEquals(List.of("a", "b"), List.copyOf(layer.adapterNames()));
        assertEquals(3, layer.r("b"));
        assertTrue(layer.baseLayer() instanceof Linear);
    }
}
