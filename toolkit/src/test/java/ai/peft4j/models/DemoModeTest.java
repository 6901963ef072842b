package ai.peft4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import ai.peft4j.io.hub.HubClient;
import ai.peft4j.io.hub.HubException;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.ModuleTree;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Demo mode")
class DemoModeTest {

    @TempDir
    Path cache;

    @BeforeEach
    void offlineHub() {
        HubClient.setDefault(HubClient.builder().cacheDir(cache).offline(true).build());
    }

    @AfterEach
    void reset() {
        DemoMode.disable();
        HubClient.setDefault(null);
    }

    @Test
    @DisplayName("off: a model that is neither local nor cached is an error")
    void off() {
        assertThrows(HubException.class, () -> AutoModelForCausalLM.fromPretrained("facebook/opt-125m"));
    }

    @Test
    @DisplayName("on: builds the shipped architecture with seeded weights and says so")
    void on() {
        DemoMode.enable(5);
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try (PreTrainedCausalLM a = AutoModelForCausalLM.fromPretrained("facebook/opt-125m");
                PreTrainedCausalLM b = AutoModelForCausalLM.fromPretrained("facebook/opt-125m")) {
            assertEquals(125_239_296L, ModuleTree.countParameters(a));
            assertTrue(ModuleTree.uniqueParameters(a).values().stream().allMatch(Parameter::isInitialized));
            assertEquals("facebook/opt-125m", a.nameOrPath());
            String w = "model.decoder.layers.0.self_attn.q_proj.weight";
            assertArrayEquals(
                    ModuleTree.namedParameters(a).get(w).getArray().toFloatArray(),
                    ModuleTree.namedParameters(b).get(w).getArray().toFloatArray(),
                    "same seed, same weights");
        } finally {
            System.setOut(out);
        }
        assertTrue(captured.toString().contains("[demo mode] facebook/opt-125m"), captured.toString());
        assertTrue(captured.toString().contains("seeded random weights (seed 5)"), captured.toString());
    }

    @Test
    @DisplayName("on: an id peft4j ships no configuration for is explained")
    void unknownId() {
        DemoMode.enable(5);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> AutoModelForCausalLM.fromPretrained("someone/unknown-model"));
        assertTrue(e.getMessage().contains("ships no configuration"), e.getMessage());
    }
}
