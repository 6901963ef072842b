package ai.peft4j.tuners.adalora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.Peft;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.PeftType;
import ai.peft4j.config.TaskType;
import ai.peft4j.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** AdaLoraConfig: PEFT 0.10's fields, defaults, validation and file format. */
@DisplayName("AdaLoraConfig")
class AdaLoraConfigTest {

    static Path referenceDir() {
        return Golden.hfReference().getParent().resolve("reference").resolve("tiny_opt_adalora");
    }

    @Test
    @DisplayName("defaults are PEFT 0.10's, and a default config writes exactly the keys PEFT writes")
    void defaults() throws Exception {
        AdaLoraConfig c = AdaLoraConfig.builder().build();
        assertEquals(PeftType.ADALORA, c.peftType());
        assertEquals(8, c.targetR());
        assertEquals(12, c.initR());
        assertEquals(0, c.tinit());
        assertEquals(0, c.tfinal());
        assertEquals(1, c.deltaT());
        assertEquals(0.85, c.beta1());
        assertEquals(0.85, c.beta2());
        assertEquals(0.5, c.orthRegWeight());
        assertNull(c.totalStep());
        assertNull(c.rankPattern());
        assertEquals(8, c.r());
        assertEquals(8, c.loraAlpha());
        assertEquals(0.0, c.loraDropout());
        assertTrue(c.initLoraWeights());
        assertEquals(AdaLoraConfig.Bias.NONE, c.bias());
        assertNull(c.targetModules());
        Map<String, Object> theirs = PeftConfig.fromPretrained(referenceDir()).toMap();
        assertEquals(
                new TreeSet<>(Golden.read(referenceDir().resolve("adapter_config.json")).properties().stream()
                        .map(Map.Entry::getKey)
                        .toList()),
                new TreeSet<>(c.toMap().keySet()));
        assertEquals(theirs.keySet(), c.toMap().keySet());
    }

    @Test
    @DisplayName("PEFT's files (with and without a rank pattern) are read and written back byte for byte")
    void roundTrip() throws Exception {
        for (Path dir : List.of(referenceDir(), referenceDir().resolve("allocated"))) {
            String text = Files.readString(dir.resolve("adapter_config.json"));
            PeftConfig c = PeftConfig.fromPretrained(dir);
            assertTrue(c instanceof AdaLoraConfig, dir.toString());
            assertEquals(text, c.toJson(), dir.toString());
            assertEquals(c, AdaLoraConfig.SCHEMA.fromJson(c.toJson()));
        }
    }

    @Test
    @DisplayName("Peft.adalora() sets each field under its short name")
    void fluentBuilder() {
        AdaLoraConfig c = Peft.adalora()
                .initR(10)
                .targetR(3)
                .tinit(5)
                .tfinal(7)
                .deltaT(2)
                .betas(0.8, 0.9)
                .orthRegWeight(0.1)
                .totalStep(100)
                .alpha(16)
                .dropout(0.1)
                .targets("q_proj", "v_proj")
                .task(TaskType.CAUSAL_LM)
                .build();
        assertEquals(
                AdaLoraConfig.builder()
                        .initR(10)
                        .targetR(3)
                        .tinit(5)
                        .tfinal(7)
                        .deltaT(2)
                        .beta1(0.8)
                        .beta2(0.9)
                        .orthRegWeight(0.1)
                        .totalStep(100)
                        .loraAlpha(16)
                        .loraDropout(0.1)
                        .targetModules("q_proj", "v_proj")
                        .taskType(TaskType.CAUSAL_LM)
                        .build(),
                c);
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    @DisplayName("values no AdaLoRA run could use are refused when the config is built or read")
    void validation() {
        assertThrows(
                PeftConfigException.class,
                () -> AdaLoraConfig.builder().beta1(0).build());
        assertThrows(
                PeftConfigException.class,
                () -> AdaLoraConfig.builder().beta2(1).build());
        assertThrows(
                PeftConfigException.class,
                () -> AdaLoraConfig.builder().deltaT(0).build());
        assertThrows(
                PeftConfigException.class,
                () -> AdaLoraConfig.builder().initR(-1).build());
        assertThrows(
                PeftConfigException.class,
                () -> AdaLoraConfig.builder().tinit(-1).build());
        assertThrows(
                PeftConfigException.class,
                () -> AdaLoraConfig.builder().totalStep(0).build());
        PeftConfigException orth = assertThrows(
                PeftConfigException.class,
                () -> AdaLoraConfig.builder().orthRegWeight(0).build());
        assertTrue(orth.getMessage().contains("orth_reg_weight should be greater than 0"), orth.getMessage());
        assertThrows(
                PeftConfigException.class,
                () -> AdaLoraConfig.builder().set(AdaLoraConfig.USE_DORA, true).build());
        assertThrows(
                PeftConfigException.class,
                () -> AdaLoraConfig.SCHEMA.fromJson(
                        "{\"peft_type\": \"ADALORA\", \"rank_pattern\": {\"a.lora_E\": [1]}}"));
        AdaLoraConfig zeroRank = AdaLoraConfig.builder().initR(0).targetR(0).build(); // allowed, as in PEFT
        assertEquals(0, zeroRank.initR());
    }
}
