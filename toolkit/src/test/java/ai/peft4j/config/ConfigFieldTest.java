package ai.peft4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.Peft;
import ai.peft4j.tuners.lora.LoraConfig;
import ai.peft4j.tuners.prompttuning.PromptTuningConfig;
import ai.peft4j.tuners.ptuning.PromptEncoderConfig;
import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each config field is declared once, as a constant; reading, writing, copies and builders go through it. */
class ConfigFieldTest {

    @Test
    void aFieldConstantReadsAndSetsItsValueOnEveryConfig() {
        LoraConfig c = LoraConfig.builder()
                .set(LoraConfig.R, 16)
                .set(PeftConfig.TASK_TYPE, TaskType.CAUSAL_LM)
                .build();

        assertEquals(16, c.r());
        assertEquals(16, c.get(LoraConfig.R));
        assertEquals(TaskType.CAUSAL_LM, c.get(PeftConfig.TASK_TYPE));
        assertEquals(LoraConfig.builder().r(16).taskType(TaskType.CAUSAL_LM).build(), c);
    }

    @Test
    void withChangesOneFieldAndKeepsTheClass() {
        LoraConfig c = LoraConfig.builder().targetModules("q_proj").build();

        LoraConfig bigger = c.with(LoraConfig.R, 32);

        assertEquals(32, bigger.r());
        assertEquals(8, c.r(), "the original is unchanged");
        assertEquals(c.targetModules(), bigger.targetModules());
        assertThrows(PeftConfigException.class, () -> c.with(LoraConfig.R, 0), "copies are checked like builds");
    }

    @Test
    void theFluentBuildersReachEveryFieldByItsConstant() {
        LoraConfig rs = Peft.lora()
                .r(8)
                .targets("q_proj")
                .set(LoraConfig.USE_RSLORA, true)
                .build();
        PromptEncoderConfig lstm = Peft.pTuning()
                .virtualTokens(4)
                .set(PromptEncoderConfig.ENCODER_DROPOUT, 0.1)
                .build();

        assertTrue(rs.useRslora());
        assertEquals(0.1, lstm.encoderDropout());
    }

    @Test
    void aFieldOfAnotherMethodIsRefusedByName() {
        PeftConfigException e = assertThrows(
                PeftConfigException.class, () -> LoraConfig.builder().set(PromptEncoderConfig.ENCODER_NUM_LAYERS, 2));
        assertEquals("LoraConfig has no key 'encoder_num_layers'", e.getMessage());
    }

    @Test
    void nullIsRefusedWhereTheFieldTakesNoNull() {
        PeftConfigException e = assertThrows(
                PeftConfigException.class, () -> LoraConfig.builder().rankPattern(null));
        assertEquals("key 'rank_pattern' must not be null", e.getMessage());
    }

    @Test
    void javaOnlyFieldsAreNeitherWrittenNorCompared() {
        PromptTuningConfig withIds = PromptTuningConfig.builder()
                .numVirtualTokens(4)
                .promptTuningInit("TEXT")
                .promptTuningInitText("hi")
                .tokenizerNameOrPath("tok")
                .initTokenIds(5, 6)
                .build();
        PromptTuningConfig without =
                withIds.toBuilder().initTokenIds((List<Integer>) null).build();

        assertEquals(List.of(5, 6), withIds.initTokenIds());
        assertFalse(withIds.toJson().contains("5"), withIds.toJson());
        assertEquals(without, withIds);
        assertEquals(List.of(5, 6), withIds.toBuilder().build().initTokenIds(), "toBuilder keeps them");
    }

    @Test
    void aSchemaListingAFieldThatIsNotInitialisedYetFailsClearly() {
        // A schema declared above its fields would see null constants: the static-initialisation-order trap.
        IllegalArgumentException early = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigSchema.of(
                        PeftType.IA3, LoraConfig.class, v -> null, () -> null, PeftConfig.FIELDS, LoraConfig.R, null));
        assertTrue(early.getMessage().contains("declare the schema after the field constants"), early.getMessage());
        IllegalArgumentException twice = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigSchema.of(
                        PeftType.IA3,
                        LoraConfig.class,
                        v -> null,
                        () -> null,
                        PeftConfig.FIELDS,
                        LoraConfig.R,
                        LoraConfig.R));
        assertEquals("LoraConfig declares the key 'r' twice", twice.getMessage());
    }

    @Test
    void readingWorksWhicheverClassIsTouchedFirst() throws Exception {
        // A fresh class loader, so nothing of peft4j is initialised yet: the very first call reads a LORA config.
        URL[] classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(ConfigFieldTest::url)
                .toArray(URL[]::new);
        try (URLClassLoader fresh = new URLClassLoader(classPath, ClassLoader.getPlatformClassLoader())) {
            Class<?> base = Class.forName(PeftConfig.class.getName(), false, fresh);

            Object config =
                    base.getMethod("fromJson", String.class).invoke(null, "{\"peft_type\": \"LORA\", \"r\": 4}");

            assertEquals(LoraConfig.class.getName(), config.getClass().getName());
            assertNotSame(LoraConfig.class, config.getClass(), "loaded afresh");
        }
    }

    private static URL url(String path) {
        try {
            return Path.of(path).toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(path, e);
        }
    }

    @Test
    void theRegistryFindsTheBuiltInMethodsThroughTheirServiceLines() {
        assertTrue(PeftConfigRegistry.supportedTypes()
                .containsAll(
                        List.of(PeftType.LORA, PeftType.P_TUNING, PeftType.PROMPT_TUNING, PeftType.PREFIX_TUNING)));
    }
}
