package ai.peft4j.tuners.ia3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.Peft;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.PeftType;
import ai.peft4j.config.TaskType;
import ai.peft4j.testing.Golden;
import ai.peft4j.tuners.ModuleSelector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** IA3Config: PEFT 0.10's fields, defaults, validation and file format. */
@DisplayName("IA3Config")
class IA3ConfigTest {

    static Path fixtureDir() {
        return Golden.fixture("wave2/tiny_opt_ia3");
    }

    @Test
    @DisplayName("defaults are PEFT's, and a default config writes PEFT's keys")
    void defaults() {
        IA3Config c = IA3Config.builder().build();
        assertNull(c.targetModules());
        assertNull(c.feedforwardModules());
        assertNull(c.excludeModules());
        assertFalse(c.fanInFanOut());
        assertNull(c.modulesToSave());
        assertTrue(c.initIa3Weights());
        assertEquals(PeftType.IA3, c.peftType());
        assertEquals(
                "{\n"
                        + "  \"auto_mapping\": null,\n"
                        + "  \"base_model_name_or_path\": null,\n"
                        + "  \"fan_in_fan_out\": false,\n"
                        + "  \"feedforward_modules\": null,\n"
                        + "  \"inference_mode\": false,\n"
                        + "  \"init_ia3_weights\": true,\n"
                        + "  \"modules_to_save\": null,\n"
                        + "  \"peft_type\": \"IA3\",\n"
                        + "  \"revision\": null,\n"
                        + "  \"target_modules\": null,\n"
                        + "  \"task_type\": null\n"
                        + "}",
                c.toJson());
    }

    @Test
    @DisplayName(
            "the adapter_config.json PEFT wrote reads into the config it was made with, and is written back byte for byte")
    void peftFile() throws IOException {
        String file = Files.readString(fixtureDir().resolve("adapter_config.json"), StandardCharsets.UTF_8);
        IA3Config expected = IA3Config.builder()
                .targetModules("q_proj", "k_proj", "fc2")
                .feedforwardModules("fc2")
                .initIa3Weights(false)
                .taskType(TaskType.CAUSAL_LM)
                .baseModelNameOrPath("tiny_opt")
                .inferenceMode(true)
                .build();

        IA3Config read = assertInstanceOf(IA3Config.class, PeftConfig.fromPretrained(fixtureDir()));

        assertEquals(expected, read);
        assertEquals(Set.of("q_proj", "k_proj", "fc2"), read.targetModules().names());
        assertEquals(file, read.toJson());
        assertEquals(read, IA3Config.SCHEMA.fromJson(read.toJson()));
    }

    @Test
    @DisplayName("module lists compare as sets, as PEFT keeps them")
    void setsCompareWithoutOrder() {
        assertEquals(
                IA3Config.builder()
                        .targetModules("q_proj", "fc2")
                        .feedforwardModules("fc2")
                        .build(),
                IA3Config.builder()
                        .targetModules("fc2", "q_proj")
                        .feedforwardModules("fc2")
                        .build());
        assertNotEquals(
                IA3Config.builder().targetModules("q_proj").build(),
                IA3Config.builder().targetModules("q_proj").feedforwardModules().build());
    }

    @Test
    @DisplayName("feedforward_modules must be a subset of target_modules when both are lists")
    void feedforwardSubset() {
        PeftConfigException e = assertThrows(PeftConfigException.class, () -> IA3Config.builder()
                .targetModules("q_proj", "k_proj")
                .feedforwardModules("fc2")
                .build());
        assertEquals(
                "key 'feedforward_modules' should be a subset of 'target_modules': [fc2] is not among the "
                        + "targets [q_proj, k_proj]; add it to target_modules or drop it from feedforward_modules",
                e.getMessage());
        assertThrows(
                PeftConfigException.class,
                () -> IA3Config.SCHEMA.fromJson("{\"peft_type\": \"IA3\", \"target_modules\": [\"q_proj\"], "
                        + "\"feedforward_modules\": [\"fc1\", \"fc2\"]}"));
        // A regex on either side is not compared, as in PEFT.
        IA3Config.builder()
                .targetModulesRegex(".*(q_proj|fc2)")
                .feedforwardModules("fc2")
                .build();
        IA3Config.builder()
                .targetModules("q_proj", "fc2")
                .feedforwardModulesRegex(".*fc1")
                .build();
        IA3Config.builder().feedforwardModules("fc2").build(); // targets from the model type
    }

    @Test
    @DisplayName("feedforward_modules reads as a list, an empty list, a regex or null, and is written as read")
    void feedforwardForms() {
        IA3Config empty = IA3Config.SCHEMA.fromJson(
                "{\"peft_type\": \"IA3\", \"target_modules\": [\"k\", \"v\"], " + "\"feedforward_modules\": []}");
        assertEquals(ModuleSelector.emptyNames(), empty.feedforwardModules());
        assertTrue(empty.toJson().contains("\"feedforward_modules\": [],"), empty.toJson());
        assertFalse(empty.isFeedforward("encoder.block.0.layer.0.SelfAttention.k"));

        IA3Config regex = IA3Config.SCHEMA.fromJson(
                "{\"peft_type\": \"IA3\", \"feedforward_modules\": \".*layers\\\\.0\\\\.fc2\"}");
        assertTrue(regex.feedforwardModules().isRegex());
        assertTrue(regex.isFeedforward("model.decoder.layers.0.fc2"));
        assertFalse(regex.isFeedforward("model.decoder.layers.1.fc2"));

        PeftConfigException e = assertThrows(
                PeftConfigException.class,
                () -> IA3Config.SCHEMA.fromJson("{\"peft_type\": \"IA3\", \"feedforward_modules\": 3}"));
        assertTrue(
                e.getMessage().startsWith("key 'feedforward_modules': expected a list of module names"),
                e.getMessage());
    }

    @Test
    @DisplayName("a module is feed-forward when its path ends with a listed name, as PEFT's endswith")
    void feedforwardMatching() {
        IA3Config c = IA3Config.builder()
                .targetModules("c_attn", "mlp.c_proj")
                .feedforwardModules("mlp.c_proj")
                .build();
        assertTrue(c.isFeedforward("transformer.h.0.mlp.c_proj"));
        assertFalse(c.isFeedforward("transformer.h.0.attn.c_proj"));
        assertFalse(c.isFeedforward("transformer.h.0.attn.c_attn"));
        // PEFT compares with a plain str.endswith, so no dot is needed in front of the name.
        assertTrue(IA3Config.builder()
                .targetModules("fc2")
                .feedforwardModules("fc2")
                .build()
                .isFeedforward("x.myfc2"));
        assertFalse(IA3Config.builder().build().isFeedforward("model.decoder.layers.0.fc2"), "unset: none");
    }

    @Test
    @DisplayName("exclude_modules is written only when set and may not name a target")
    void excludeModules() {
        IA3Config c = IA3Config.builder()
                .targetModules("q_proj", "fc2")
                .excludeModules("lm_head")
                .build();
        assertTrue(c.toJson().contains("\"exclude_modules\": [\n    \"lm_head\"\n  ]"), c.toJson());
        assertFalse(IA3Config.builder().build().toJson().contains("exclude_modules"));
        assertThrows(PeftConfigException.class, () -> IA3Config.builder()
                .targetModules("q_proj", "fc2")
                .excludeModules("fc2")
                .build());
    }

    @Test
    @DisplayName("\"all-linear\" is understood as a string only")
    void allLinear() {
        assertTrue(IA3Config.builder().targetAllLinear().build().targetModules().isAllLinear());
        assertThrows(
                PeftConfigException.class,
                () -> IA3Config.SCHEMA.fromJson("{\"peft_type\": \"IA3\", \"target_modules\": [\"all-linear\"]}"));
    }

    @Test
    @DisplayName("PeftConfig reads an IA3 file by its peft_type, and a missing peft_type means IA3 for IA3Config")
    void dispatch() {
        assertInstanceOf(IA3Config.class, PeftConfig.fromJson("{\"peft_type\": \"IA3\"}"));
        assertEquals(
                PeftType.IA3,
                IA3Config.SCHEMA.fromJson("{\"init_ia3_weights\": false}").peftType());
        assertThrows(PeftConfigException.class, () -> IA3Config.SCHEMA.fromJson("{\"peft_type\": \"LORA\"}"));
    }

    @Test
    @DisplayName("Peft.ia3() sets the same fields under the short names")
    void fluentBuilder() {
        IA3Config shortForm = Peft.ia3()
                .targets("k_proj", "v_proj", "down_proj")
                .feedforwards("down_proj")
                .task(TaskType.CAUSAL_LM)
                .modulesToSave("score")
                .initIa3Weights(false)
                .set(IA3Config.FAN_IN_FAN_OUT, true)
                .build();
        IA3Config longForm = IA3Config.builder()
                .targetModules("k_proj", "v_proj", "down_proj")
                .feedforwardModules("down_proj")
                .taskType(TaskType.CAUSAL_LM)
                .modulesToSave(List.of("score"))
                .initIa3Weights(false)
                .fanInFanOut(true)
                .build();
        assertEquals(longForm, shortForm);
        assertEquals(
                ModuleSelector.regex(".*fc2"),
                Peft.ia3()
                        .targetsRegex(".*(fc2|q_proj)")
                        .feedforwardsRegex(".*fc2")
                        .build()
                        .feedforwardModules());
    }
}
