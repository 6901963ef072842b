package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.ModuleTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** build() applies PEFT's rules and explains what is wrong. */
class LoraConfigValidationTest {

    @Test
    void rankMustBePositive() {
        assertRejected(
                () -> LoraConfig.builder().r(0).build(), "key 'r': the LoRA rank must be a positive integer, found 0");
        assertRejected(() -> LoraConfig.builder().r(-4).build(), "found -4");
    }

    @Test
    void dropoutMustBeAProbability() {
        assertRejected(() -> LoraConfig.builder().loraDropout(-0.1).build(), "key 'lora_dropout'");
        assertRejected(() -> LoraConfig.builder().loraDropout(1.5).build(), "between 0 and 1, found 1.5");
        assertDoesNotThrow(() -> LoraConfig.builder().loraDropout(1.0).build());
    }

    @Test
    void regexTargetModulesCannotBeCombinedWithLayerSelection() {
        assertRejected(
                () -> LoraConfig.builder()
                        .targetModulesRegex(".*q_proj")
                        .layersToTransform(0)
                        .build(),
                "key 'layers_to_transform' cannot be combined with a regex 'target_modules'");
        assertRejected(
                () -> LoraConfig.builder()
                        .targetModulesRegex(".*q_proj")
                        .layersPattern("layers")
                        .build(),
                "key 'layers_pattern' cannot be combined with a regex 'target_modules'");
    }

    @Test
    void layersPatternNeedsLayersToTransform() {
        assertRejected(
                () -> LoraConfig.builder()
                        .targetModules("q_proj")
                        .layersPattern("layers")
                        .build(),
                "key 'layers_pattern' [layers] only has an effect together with 'layers_to_transform'");
        assertDoesNotThrow(() -> LoraConfig.builder()
                .targetModules("q_proj")
                .layersToTransform(0)
                .layersPattern("layers")
                .build());
    }

    @Test
    void layerIndicesMustNotBeNegative() {
        assertRejected(
                () -> LoraConfig.builder()
                        .targetModules("q_proj")
                        .layersToTransform(0, -1)
                        .build(),
                "key 'layers_to_transform': layer indices must be >= 0");
    }

    @Test
    void doraIsAccepted() {
        assertTrue(LoraConfig.builder().useDora(true).build().useDora());
        assertTrue(ai.peft4j.Peft.lora().dora().build().useDora());
    }

    @Test
    void loftqInitNeedsLoftqConfig() {
        assertRejected(() -> LoraConfig.builder().initLoraWeights("loftq").build(), "key 'loftq_config' must be set");
        assertDoesNotThrow(() -> LoraConfig.builder()
                .initLoraWeights("loftq")
                .loftqConfig(Map.of("loftq_bits", 4, "loftq_iter", 1))
                .build());
    }

    @Test
    void initLoraWeightsAcceptsOnlyWhatPeft010Accepts() {
        assertEquals(
                LoraConfig.InitLoraWeights.GAUSSIAN,
                LoraConfig.builder().initLoraWeights("gaussian").build().initLoraWeights());
        for (String later : List.of("pissa", "olora", "eva", "pissa_niter_4")) {
            assertRejected(
                    () -> LoraConfig.builder().initLoraWeights(later).build(),
                    "\"" + later + "\" is not supported by peft4j, which follows PEFT 0.10");
        }
        assertRejected(
                () -> LoraConfig.SCHEMA.fromJson("{\"init_lora_weights\": \"pissa\"}"), "key 'init_lora_weights'");
    }

    @Test
    void biasMustBeOneOfPeftsModes() {
        assertEquals(
                LoraConfig.Bias.LORA_ONLY,
                LoraConfig.builder().bias("lora_only").build().bias());
        assertRejected(() -> LoraConfig.builder().bias("some"), "expected one of \"none\", \"all\", \"lora_only\"");
    }

    @Test
    void targetModulesListMustHoldNames() {
        assertRejected(() -> LoraConfig.builder().targetModules().build(), "must not be empty");
        assertRejected(() -> LoraConfig.builder().targetModules("q_proj", "").build(), "non-empty strings");
        assertRejected(() -> LoraConfig.SCHEMA.fromJson("{\"target_modules\": []}"), "key 'target_modules'");
    }

    @Test
    void allLinearIsOnlySpecialAsAPlainString() {
        assertTrue(
                LoraConfig.builder().targetAllLinear().build().targetModules().isAllLinear());
        assertTrue(LoraConfig.SCHEMA
                .fromJson("{\"target_modules\": \"ALL-LINEAR\"}")
                .targetModules()
                .isAllLinear());
        assertRejected(
                () -> LoraConfig.builder().targetModules("all-linear").build(),
                "\"all-linear\" is only understood as a plain string");
    }

    @Test
    void regexesMustCompile() {
        assertRejected(
                () -> LoraConfig.builder().targetModulesRegex("(q_proj").build(),
                "not a valid regular expression: \"(q_proj\"");
        assertRejected(() -> LoraConfig.SCHEMA.fromJson("{\"target_modules\": \"(q_proj\"}"), "key 'target_modules'");
        assertRejected(() -> LoraConfig.builder().rankPattern(Map.of("q[", 4)).build(), "key 'rank_pattern'");
        assertRejected(() -> LoraConfig.builder().alphaPattern(Map.of("q[", 4)).build(), "key 'alpha_pattern'");
    }

    @Test
    void rankPatternRanksMustBePositive() {
        assertRejected(
                () -> LoraConfig.builder().rankPattern(Map.of("q_proj", 0)).build(),
                "key 'rank_pattern': the rank for \"q_proj\" must be a positive integer, found 0");
    }

    @Test
    void excludeModulesMustNotContradictTargetModules() {
        assertRejected(
                () -> LoraConfig.builder()
                        .targetModules("q_proj", "v_proj")
                        .excludeModules("v_proj")
                        .build(),
                "key 'exclude_modules' must not name modules that 'target_modules' names too: [v_proj]");
        assertRejected(
                () -> LoraConfig.builder()
                        .targetModulesRegex(".*proj")
                        .excludeModulesRegex(".*proj")
                        .build(),
                "must not be the same as 'target_modules'");
        assertDoesNotThrow(() -> LoraConfig.builder()
                .targetModules("q_proj")
                .excludeModulesRegex(".*layers\\.0\\..*")
                .build());
    }

    @Test
    void anEmptyExcludeListInAFileMeansNone() {
        LoraConfig c = LoraConfig.SCHEMA.fromJson("{\"target_modules\": [\"q_proj\"], \"exclude_modules\": []}");
        assertEquals(null, c.excludeModules());
    }

    @Test
    void layerReplicationRangesMustBeIncreasing() {
        assertRejected(() -> new LayerRange(4, 2), "0 <= start < end, found [4, 2]");
        assertRejected(
                () -> LoraConfig.SCHEMA.fromJson("{\"layer_replication\": [[0, 4], [2]]}"),
                "key 'layer_replication': expected null or a list of [start, end] pairs");
    }

    @Test
    void layerReplicationIsRefusedBecausePeft4jCannotBuildTheReplicatedModelYet() {
        String expected =
                "key 'layer_replication': peft4j does not support layer replication yet (found [[0, 4], [2, 5]])";
        assertRejected(
                () -> LoraConfig.builder()
                        .set(LoraConfig.LAYER_REPLICATION, List.of(new LayerRange(0, 4), new LayerRange(2, 5)))
                        .build(),
                expected);
        assertRejected(() -> LoraConfig.SCHEMA.fromJson("{\"layer_replication\": [[0, 4], [2, 5]]}"), expected);
        // null (what PEFT writes when unused) and an empty list (falsy in PEFT) mean no replication.
        assertEquals(
                null,
                LoraConfig.SCHEMA.fromJson("{\"layer_replication\": null}").get(LoraConfig.LAYER_REPLICATION));
        assertEquals(
                List.of(),
                LoraConfig.SCHEMA.fromJson("{\"layer_replication\": []}").get(LoraConfig.LAYER_REPLICATION));
    }

    @Test
    void anAdapterWithLayerReplicationIsRefusedBeforeAnyLayerIsTouched(@TempDir Path dir) throws IOException {
        Files.writeString(
                dir.resolve("adapter_config.json"),
                LoraConfig.builder()
                        .targetModules("q_proj")
                        .build()
                        .toJson()
                        .replace("\"layer_replication\": null", "\"layer_replication\": [[0, 2], [1, 3]]"));
        OptForCausalLM model = new OptForCausalLM(OptConfig.named("facebook/opt-125m"));
        Set<String> before = ModuleTree.namedParameters(model).keySet();

        PeftConfigException e = assertThrows(PeftConfigException.class, () -> PeftModel.fromPretrained(model, dir));

        assertTrue(
                e.getMessage()
                        .startsWith(dir.resolve("adapter_config.json") + ": key 'layer_replication': "
                                + "peft4j does not support layer replication yet"),
                e.getMessage());
        assertEquals(before, ModuleTree.namedParameters(model).keySet(), "no LoRA layer was added");
    }

    @Test
    void configsAreImmutable() {
        LoraConfig c = LoraConfig.builder()
                .targetModules("q_proj")
                .modulesToSave("classifier")
                .rankPattern(new LinkedHashMap<>(Map.of("q_proj", 4)))
                .build();
        assertThrows(
                UnsupportedOperationException.class,
                () -> c.targetModules().names().add("k_proj"));
        assertThrows(
                UnsupportedOperationException.class, () -> c.modulesToSave().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> c.rankPattern().put("x", 1));
        assertThrows(UnsupportedOperationException.class, () -> c.toMap().put("r", 2));
    }

    @Test
    void fluentEntryPointBuildsTheSameConfigAsTheBuilder() {
        LoraConfig fluent = Peft.lora()
                .r(16)
                .alpha(32)
                .dropout(0.05)
                .targets("q_proj", "v_proj")
                .task(TaskType.CAUSAL_LM)
                .bias("none")
                .modulesToSave("score")
                .build();
        LoraConfig builder = LoraConfig.builder()
                .r(16)
                .loraAlpha(32)
                .loraDropout(0.05)
                .targetModules("q_proj", "v_proj")
                .taskType(TaskType.CAUSAL_LM)
                .bias(LoraConfig.Bias.NONE)
                .modulesToSave("score")
                .build();
        assertEquals(builder, fluent);
        assertRejected(() -> Peft.lora().r(0).build(), "key 'r'");
    }

    private static void assertRejected(Supplier<?> action, String expectedPart) {
        PeftConfigException e = assertThrows(PeftConfigException.class, action::get);
        assertTrue(e.getMessage().contains(expectedPart), "message was: " + e.getMessage());
    }
}
