package ai.peft4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.tuners.lora.LoraConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How adapter_config.json is read: dispatch on peft_type, forward compatibility, and clear errors. */
class PeftConfigReadingTest {

    @Test
    void peftTypeSelectsTheConfigClass() {
        assertInstanceOf(LoraConfig.class, PeftConfig.fromJson("{\"peft_type\": \"LORA\"}"));
    }

    @Test
    void missingKeysTakePeftDefaults() {
        LoraConfig c = (LoraConfig) PeftConfig.fromJson("{\"peft_type\": \"LORA\"}");
        assertEquals(LoraConfig.builder().build(), c);
        assertEquals(8, c.r());
        assertEquals(8, c.loraAlpha());
        assertEquals(0.0, c.loraDropout());
        assertEquals(null, c.targetModules());
        assertEquals(LoraConfig.Bias.NONE, c.bias());
        assertEquals(LoraConfig.InitLoraWeights.TRUE, c.initLoraWeights());
        assertEquals(Map.of(), c.loftqConfig());
        assertEquals(false, c.inferenceMode());
        assertEquals(null, c.taskType());
    }

    @Test
    void keysFromNewerPeftVersionsAreIgnoredAndReportedTogether() {
        String json = "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_bias\": false, \"use_qalora\": false,"
                + " \"target_parameters\": null}";

        ParsedConfig<PeftConfig> parsed = PeftConfig.parse(json, null);

        assertEquals(4, ((LoraConfig) parsed.config()).r());
        assertEquals(List.of("lora_bias", "use_qalora", "target_parameters"), parsed.ignoredKeys());
        String warning = PeftConfig.ignoredKeysMessage(parsed);
        assertTrue(warning.contains("3 unknown key(s)"), warning);
        assertTrue(warning.contains("lora_bias, use_qalora, target_parameters"), warning);
        // fromJson logs that one warning and returns the config.
        assertEquals(4, ((LoraConfig) PeftConfig.fromJson(json)).r());
    }

    @Test
    void missingPeftTypeIsAnError() {
        PeftConfigException e = assertThrows(PeftConfigException.class, () -> PeftConfig.fromJson("{\"r\": 4}"));
        assertTrue(e.getMessage().contains("'peft_type' is missing"), e.getMessage());
        assertTrue(e.getMessage().contains("LORA"), e.getMessage());
    }

    @Test
    void loraConfigFromJsonAssumesLoraWhenPeftTypeIsAbsent() {
        assertEquals(4, LoraConfig.SCHEMA.fromJson("{\"r\": 4}").r());
    }

    @Test
    void unknownPeftTypeListsTheKnownOnes() {
        PeftConfigException e =
                assertThrows(PeftConfigException.class, () -> PeftConfig.fromJson("{\"peft_type\": \"SUPER_LORA\"}"));
        assertTrue(e.getMessage().contains("unknown PEFT method \"SUPER_LORA\""), e.getMessage());
        assertTrue(e.getMessage().contains("PREFIX_TUNING"), e.getMessage());
    }

    @Test
    void knownButUnimplementedPeftTypeSaysNotSupportedYet() {
        PeftConfigException e =
                assertThrows(PeftConfigException.class, () -> PeftConfig.fromJson("{\"peft_type\": \"OFT\"}"));
        // The supported list follows the registry lines, which grow as methods are added.
        assertTrue(
                e.getMessage()
                        .startsWith("OFT configs are not supported by peft4j yet (supported: PROMPT_TUNING, "
                                + "P_TUNING, PREFIX_TUNING, LORA, "),
                e.getMessage());
        assertTrue(e.getMessage().contains("IA3") && e.getMessage().contains("LOHA, LOKR"), e.getMessage());
    }

    @Test
    void wrongTypesNameTheKeyWhatWasFoundAndWhatWasExpected() {
        assertMessage(
                "{\"peft_type\": \"LORA\", \"r\": \"four\"}",
                "key 'r': expected an integer, found the string \"four\"");
        assertMessage("{\"peft_type\": \"LORA\", \"r\": 4.5}", "key 'r': expected an integer, found the float 4.5");
        assertMessage(
                "{\"peft_type\": \"LORA\", \"lora_dropout\": \"0.1\"}",
                "key 'lora_dropout': expected a number, found the string \"0.1\"");
        assertMessage(
                "{\"peft_type\": \"LORA\", \"inference_mode\": 1}",
                "key 'inference_mode': expected true or false, found the integer 1");
        assertMessage(
                "{\"peft_type\": \"LORA\", \"target_modules\": 3}",
                "key 'target_modules': expected a list of module names, a regex string, or null, found the integer 3");
        assertMessage(
                "{\"peft_type\": \"LORA\", \"target_modules\": [\"q_proj\", 3]}",
                "key 'target_modules': expected a list of module names, a regex string, or null (item the integer 3");
        assertMessage(
                "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL\"}",
                "key 'task_type': expected null or one of SEQ_CLS, SEQ_2_SEQ_LM, CAUSAL_LM");
        assertMessage(
                "{\"peft_type\": \"LORA\", \"bias\": \"some\"}",
                "key 'bias': expected one of \"none\", \"all\", \"lora_only\", found the string \"some\"");
        assertMessage(
                "{\"peft_type\": \"LORA\", \"rank_pattern\": {\"q_proj\": \"big\"}}",
                "key 'rank_pattern.q_proj': expected an integer, found the string \"big\"");
        assertMessage(
                "{\"peft_type\": \"LORA\", \"layers_to_transform\": \"0\"}",
                "key 'layers_to_transform': expected null, a layer index, or a list of layer indices");
        assertMessage("{\"peft_type\": 5}", "key 'peft_type': expected a string naming the PEFT method");
        assertMessage(
                "{\"peft_type\": \"LORA\", \"init_lora_weights\": 1}",
                "key 'init_lora_weights': expected true, false, \"gaussian\" or \"loftq\", found the integer 1");
    }

    @Test
    void integralFloatAlphaIsAcceptedButFractionalIsNot() {
        assertEquals(16, LoraConfig.SCHEMA.fromJson("{\"lora_alpha\": 16.0}").loraAlpha());
        assertMessage("{\"peft_type\": \"LORA\", \"lora_alpha\": 0.5}", "key 'lora_alpha': expected an integer");
    }

    @Test
    void notJsonOrNotAnObjectIsAnError() {
        assertMessage("{\"peft_type\": \"LORA\",", "not valid JSON");
        assertMessage("[1, 2]", "expected a JSON object {...} at the top level, found a list [1, 2]");
    }

    @Test
    void errorsWhileReadingAFileNameTheFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": \"four\"}");

        PeftConfigException e = assertThrows(PeftConfigException.class, () -> PeftConfig.fromPretrained(dir));

        assertEquals(
                dir.resolve("adapter_config.json") + ": key 'r': expected an integer, found the string \"four\"",
                e.getMessage());
    }

    @Test
    void validationErrorsWhileReadingAFileNameTheFileToo(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 0}");

        PeftConfigException e = assertThrows(PeftConfigException.class, () -> LoraConfig.SCHEMA.fromPretrained(dir));

        assertTrue(e.getMessage().startsWith(dir.resolve("adapter_config.json") + ": key 'r'"), e.getMessage());
    }

    @Test
    void aConfigFileThatIsNotUtf8SaysWhyItCannotBeRead(@TempDir Path dir) throws IOException {
        // "café" saved as Latin-1: the é is the single byte 0xE9, which is no valid UTF-8.
        byte[] latin1 =
                "{\"peft_type\": \"LORA\",\n \"revision\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(dir.resolve("adapter_config.json"), latin1);

        PeftConfigException e = assertThrows(PeftConfigException.class, () -> PeftConfig.fromPretrained(dir));

        assertEquals(
                dir.resolve("adapter_config.json") + ": not valid UTF-8 at byte 39 (line 2, byte 0xE9); PEFT "
                        + "writes adapter_config.json as UTF-8 JSON, so this file was saved in another encoding (Latin-1, UTF-16...) "
                        + "or is damaged",
                e.getMessage());
        assertEquals((byte) 0xE9, latin1[39]);
        // The same text in UTF-8 reads fine.
        Files.writeString(dir.resolve("adapter_config.json"), new String(latin1, StandardCharsets.ISO_8859_1));
        assertEquals("caf\u00e9", PeftConfig.fromPretrained(dir).revision());
    }

    @Test
    void aDirectoryWithoutConfigIsAClearError(@TempDir Path dir) {
        PeftConfigException e = assertThrows(PeftConfigException.class, () -> PeftConfig.fromPretrained(dir));
        assertEquals("no adapter_config.json in " + dir, e.getMessage());
    }

    @Test
    void savingIntoAPathThatIsAFileIsRefused(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThrows(
                PeftConfigException.class, () -> LoraConfig.builder().build().savePretrained(file));
    }

    @Test
    void nonFiniteFloatsWrittenByPythonAreRead() {
        // Python's json writes NaN; the reader accepts it and validation then names the problem.
        assertMessage(
                "{\"peft_type\": \"LORA\", \"lora_dropout\": NaN}",
                "key 'lora_dropout': expected a probability between 0 and 1, found NaN");
    }

    @Test
    void registeringAReaderMakesATypeReadable() {
        PeftConfigRegistry.Reader<?> previous = PeftConfigRegistry.unregister(PeftType.POLY);
        try {
            PeftConfigRegistry.register(PeftType.POLY, LoraConfig.SCHEMA::read);
            assertTrue(PeftConfigRegistry.isSupported(PeftType.POLY));
            assertTrue(PeftConfigRegistry.supportedTypes().contains(PeftType.POLY));
            assertInstanceOf(LoraConfig.class, PeftConfig.fromJson("{\"peft_type\": \"POLY\"}"));
        } finally {
            PeftConfigRegistry.unregister(PeftType.POLY);
            if (previous != null) {
                PeftConfigRegistry.register(PeftType.POLY, previous);
            }
        }
    }

    private static void assertMessage(String json, String expectedPart) {
        PeftConfigException e = assertThrows(PeftConfigException.class, () -> PeftConfig.fromJson(json));
        assertTrue(e.getMessage().contains(expectedPart), "message was: " + e.getMessage());
    }
}
