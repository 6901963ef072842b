package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftType;
import ai.peft4j.config.TaskType;
import ai.peft4j.testing.Golden;
import ai.peft4j.tuners.ModuleSelector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA configs written by PEFT 0.10.0 read back, and peft4j writes the same bytes. */
class LoraConfigFileFormatTest {

    static Path fixtureDir() {
        return Golden.fixture("tiny_opt/lora");
    }

    static String fixtureText() throws IOException {
        return Files.readString(fixtureDir().resolve("adapter_config.json"), StandardCharsets.UTF_8);
    }

    @Test
    void peftFixtureParsesIntoTheConfigItWasCreatedWith() {
        // The README says: LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj","v_proj"], lora_dropout=0.0,
        // init_lora_weights=False, task_type=CAUSAL_LM), base model "tiny_opt", saved by save_pretrained.
        LoraConfig expected = LoraConfig.builder()
                .r(4)
                .loraAlpha(8)
                .loraDropout(0.0)
                .targetModules("q_proj", "v_proj")
                .initLoraWeights(false)
                .taskType(TaskType.CAUSAL_LM)
                .baseModelNameOrPath("tiny_opt")
                .inferenceMode(true)
                .build();

        PeftConfig read = PeftConfig.fromPretrained(fixtureDir());

        LoraConfig lora = assertInstanceOf(LoraConfig.class, read);
        assertEquals(expected, lora);
        assertEquals(PeftType.LORA, lora.peftType());
        assertEquals(Set.of("q_proj", "v_proj"), lora.targetModules().names());
        assertEquals(LoraConfig.InitLoraWeights.FALSE, lora.initLoraWeights());
        assertEquals(LoraConfig.DEFAULT_MEGATRON_CORE, lora.get(LoraConfig.MEGATRON_CORE));
        assertTrue(lora.inferenceMode());
    }

    @Test
    void toJsonReproducesThePeftFileByteForByteUpToTargetModulesOrder() throws IOException {
        String file = fixtureText();

        String written = LoraConfig.SCHEMA.fromPretrained(fixtureDir()).toJson();

        // PEFT keeps target_modules in a Python set, so its order in the file is arbitrary.
        assertEquals(sortTargetModules(file), sortTargetModules(written));
        assertFalse(written.endsWith("\n"), "json.dumps writes no trailing newline");
    }

    @Test
    void listOrderIsKeptSoAFileInSetOrderIsReproducedExactly() throws IOException {
        String file = fixtureText(); // lists v_proj before q_proj
        assertEquals(file, LoraConfig.SCHEMA.fromJson(file).toJson());
    }

    @Test
    void roundTripIsStable() throws IOException {
        LoraConfig once = LoraConfig.SCHEMA.fromJson(fixtureText());
        String json = once.toJson();
        LoraConfig twice = LoraConfig.SCHEMA.fromJson(json);
        assertEquals(once, twice);
        assertEquals(json, twice.toJson());
    }

    @Test
    void builtConfigWritesPeftDefaultsForEveryField() {
        String expected = "{\n"
                + "  \"alpha_pattern\": {},\n"
                + "  \"auto_mapping\": null,\n"
                + "  \"base_model_name_or_path\": null,\n"
                + "  \"bias\": \"none\",\n"
                + "  \"fan_in_fan_out\": false,\n"
                + "  \"inference_mode\": false,\n"
                + "  \"init_lora_weights\": true,\n"
                + "  \"layer_replication\": null,\n"
                + "  \"layers_pattern\": null,\n"
                + "  \"layers_to_transform\": null,\n"
                + "  \"loftq_config\": {},\n"
                + "  \"lora_alpha\": 32,\n"
                + "  \"lora_dropout\": 0.05,\n"
                + "  \"megatron_config\": null,\n"
                + "  \"megatron_core\": \"megatron.core\",\n"
                + "  \"modules_to_save\": null,\n"
                + "  \"peft_type\": \"LORA\",\n"
                + "  \"r\": 16,\n"
                + "  \"rank_pattern\": {},\n"
                + "  \"revision\": null,\n"
                + "  \"target_modules\": [\n"
                + "    \"q_proj\",\n"
                + "    \"v_proj\"\n"
                + "  ],\n"
                + "  \"task_type\": \"CAUSAL_LM\",\n"
                + "  \"use_dora\": false,\n"
                + "  \"use_rslora\": false\n"
                + "}";
        LoraConfig config = LoraConfig.builder()
                .r(16)
                .loraAlpha(32)
                .loraDropout(0.05)
                .targetModules("q_proj", "v_proj")
                .taskType(TaskType.CAUSAL_LM)
                .build();
        assertEquals(expected, config.toJson());
    }

    @Test
    void excludeModulesIsWrittenOnlyWhenSetBecausePeft010RejectsUnknownKeys() {
        LoraConfig without = LoraConfig.builder().targetModules("q_proj").build();
        LoraConfig with = LoraConfig.builder()
                .targetModules("q_proj")
                .excludeModules("lm_head")
                .build();

        assertFalse(without.toJson().contains("exclude_modules"));
        assertTrue(with.toJson().contains("  \"exclude_modules\": [\n    \"lm_head\"\n  ],\n"));
        assertEquals(with, LoraConfig.SCHEMA.fromJson(with.toJson()));
    }

    @Test
    void unionTypedFieldsKeepTheirJsonShape() {
        LoraConfig scalar = LoraConfig.builder()
                .targetModules("q_proj")
                .layersToTransform(0)
                .layersPattern("layers")
                .build();
        LoraConfig lists = LoraConfig.builder()
                .targetModules("q_proj")
                .layersToTransform(0, 1)
                .layersPattern(List.of("layers", "h"))
                .build();
        LoraConfig regex =
                LoraConfig.builder().targetModulesRegex(".*(q|v)_proj").build();

        assertTrue(scalar.toJson().contains("\"layers_to_transform\": 0,"));
        assertTrue(scalar.toJson().contains("\"layers_pattern\": \"layers\","));
        assertTrue(lists.toJson().contains("\"layers_to_transform\": [\n    0,\n    1\n  ],"));
        assertTrue(lists.toJson().contains("\"layers_pattern\": [\n    \"layers\",\n    \"h\"\n  ],"));
        assertTrue(regex.toJson().contains("\"target_modules\": \".*(q|v)_proj\","));
        for (LoraConfig c : List.of(scalar, lists, regex)) {
            assertEquals(c.toJson(), LoraConfig.SCHEMA.fromJson(c.toJson()).toJson());
        }
    }

    @Test
    void nestedDictsAndRarelyUsedFieldsRoundTrip() {
        LoraConfig config = LoraConfig.builder()
                .targetModules("q_proj", "v_proj")
                .rankPattern(Map.of("q_proj", 16))
                .alphaPattern(Map.of("v_proj", 4))
                .initLoraWeights("loftq")
                .loftqConfig(Map.of("loftq_bits", 4, "loftq_iter", 1))
                .set(LoraConfig.MEGATRON_CONFIG, Map.of("hidden_size", 1024, "sequence_parallel", false))
                .set(LoraConfig.MEGATRON_CORE, null)
                .set(
                        LoraConfig.LAYER_REPLICATION,
                        List.of()) // an empty list means no replication in PEFT; non-empty ones are refused
                .modulesToSave("classifier")
                .bias("lora_only")
                .useRslora(true)
                .fanInFanOut(true)
                .revision("main")
                .autoMapping(Map.of("base_model_class", "OPTForCausalLM", "parent_library", "transformers.models.opt"))
                .build();

        String json = config.toJson();
        LoraConfig back = LoraConfig.SCHEMA.fromJson(json);

        assertEquals(config, back);
        assertEquals(json, back.toJson());
        assertTrue(json.contains("\"layer_replication\": [],"));
        assertTrue(json.contains("\"init_lora_weights\": \"loftq\","));
        assertTrue(json.contains("\"megatron_core\": null,"));
    }

    @Test
    void savePretrainedWritesAdapterConfigJsonThatReadsBack(@TempDir Path tmp) throws IOException {
        LoraConfig config =
                LoraConfig.builder().r(4).targetModules("q_proj").build().withInferenceMode(true);
        Path dir = tmp.resolve("nested/adapter");

        config.savePretrained(dir);
        config.savePretrained(dir); // replacing an existing file works too

        assertEquals(config.toJson(), Files.readString(dir.resolve("adapter_config.json")));
        assertEquals(config, PeftConfig.fromPretrained(dir));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("adapter_config.json")), files.toList(), "no temp file is left behind");
        }
    }

    @Test
    void copiesChangeOneFieldAndLeaveTheOriginalAlone() {
        LoraConfig original = LoraConfig.builder().targetModules("q_proj").build();

        LoraConfig frozen = original.withInferenceMode(true);
        LoraConfig named = original.withBaseModelNameOrPath("facebook/opt-350m");

        assertFalse(original.inferenceMode());
        assertTrue(frozen.inferenceMode());
        assertNull(original.baseModelNameOrPath());
        assertEquals("facebook/opt-350m", named.baseModelNameOrPath());
        assertEquals(original, frozen.withInferenceMode(false));
    }

    @Test
    void targetModulesCompareAsASet() {
        LoraConfig qv = LoraConfig.builder().targetModules("q_proj", "v_proj").build();
        LoraConfig vq = LoraConfig.builder().targetModules("v_proj", "q_proj").build();
        assertEquals(qv, vq);
        assertEquals(qv.hashCode(), vq.hashCode());
        assertEquals(ModuleSelector.names("v_proj", "q_proj"), qv.targetModules());
    }

    /** Sorts the items of the target_modules list, the one part of the file whose order PEFT does not fix. */
    static String sortTargetModules(String json) {
        List<String> lines = new ArrayList<>(List.of(json.split("\n", -1)));
        int start = lines.indexOf("  \"target_modules\": [");
        if (start < 0) {
            return json;
        }
        int end = start + 1;
        while (!lines.get(end).startsWith("  ]")) {
            end++;
        }
        List<String> items = new ArrayList<>();
        for (String line : lines.subList(start + 1, end)) {
            items.add(line.endsWith(",") ? line.substring(0, line.length() - 1) : line);
        }
        items.sort(null);
        for (int i = 0; i < items.size(); i++) {
            lines.set(start + 1 + i, items.get(i) + (i + 1 < items.size() ? "," : ""));
        }
        return String.join("\n", lines);
    }
}
