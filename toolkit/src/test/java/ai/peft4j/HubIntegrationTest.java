package ai.peft4j;

import static ai.peft4j.io.hub.HubTestSupport.client;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.hub.FakeHub;
import ai.peft4j.io.hub.HubClient;
import ai.peft4j.io.hub.HubException;
import ai.peft4j.io.hub.HubTestSupport;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.testing.Golden;
import ai.peft4j.tuners.lora.LoraConfig;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code String} overloads against a fake Hub on loopback: repo ids load through the default
 * client into huggingface_hub's cache and give the same numbers as the fixture folders.
 */
class HubIntegrationTest {

    @TempDir
    Path cache;

    FakeHub hub;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        // The fixture adapter names its base "tiny_opt": here that is a repo id on the fake Hub.
        HubTestSupport.publishBase(hub, "tiny_opt");
        HubTestSupport.publishBase(hub, HubTestSupport.BASE);
        HubTestSupport.publishAdapter(hub, HubTestSupport.ADAPTER);
        HubClient.setDefault(client(hub, cache, FakeHub.WRITE_TOKEN, false));
        hub.resetCounts();
    }

    @AfterEach
    void stop() {
        HubClient.setDefault(null);
        hub.close();
    }

    private static float[] logits(PeftModelForCausalLM model, NDManager m) {
        JsonNode in = Golden.read(Golden.tinyOpt().resolve("lora/golden.json")).get("inputs");
        return model.forward(Golden.longs(m, in.get("input_ids")), Golden.longs(m, in.get("attention_mask")), null)
                .logits()
                .toFloatArray();
    }

    @Test
    void autoPeftFromARepoIdEqualsTheFixtureFolder() {
        try (NDManager m = NDManager.newBaseManager();
                PeftModelForCausalLM fromHub = AutoPeftModelForCausalLM.fromPretrained(HubTestSupport.ADAPTER);
                PeftModelForCausalLM fromDir =
                        AutoPeftModelForCausalLM.fromPretrained(Golden.tinyOpt().resolve("lora"))) {
            assertArrayEquals(logits(fromDir, m), logits(fromHub, m));
            JsonNode golden = Golden.read(Golden.tinyOpt().resolve("lora/golden.json"));
            Golden.assertClose(
                    Golden.floats(m, golden.get("peft_logits")),
                    m.create(logits(fromHub, m), new ai.djl.ndarray.types.Shape(2, 8, 64)),
                    1e-4,
                    "peft logits");
            assertEquals("tiny_opt", baseNameOrPath(fromHub));
        }
        // Everything is cached now: offline, the same call sends nothing.
        hub.resetCounts();
        HubClient.setDefault(client(hub, cache, null, true));
        try (PeftModelForCausalLM again = AutoPeftModelForCausalLM.fromPretrained(HubTestSupport.ADAPTER)) {
            assertEquals(0, hub.requestCount(), hub.log().toString());
        }
    }

    private static String baseNameOrPath(PeftModel model) {
        return ((ai.peft4j.models.PreTrainedModel) model.getBaseModel()).nameOrPath();
    }

    @Test
    void configAndAdapterOverloadsTakeRepoIds() {
        PeftConfig config = PeftConfig.fromPretrained(HubTestSupport.ADAPTER);
        assertEquals(PeftConfig.fromPretrained(Golden.tinyOpt().resolve("lora")), config);
        assertEquals(config, LoraConfig.SCHEMA.fromPretrained(HubTestSupport.ADAPTER));
        try (NDManager m = NDManager.newBaseManager();
                PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(HubTestSupport.BASE);
                PeftModel peft = PeftModel.fromPretrained(lm, HubTestSupport.ADAPTER);
                PeftModelForCausalLM fromDir =
                        AutoPeftModelForCausalLM.fromPretrained(Golden.tinyOpt().resolve("lora"))) {
            assertEquals(HubTestSupport.BASE, lm.nameOrPath());
            assertArrayEquals(logits(fromDir, m), logits((PeftModelForCausalLM) peft, m));
        }
    }

    @Test
    void localFolderStringsNeverAskTheHub() {
        try (PreTrainedCausalLM lm =
                AutoModelForCausalLM.fromPretrained(Golden.tinyOpt().toString())) {
            assertEquals(Golden.tinyOpt().toString(), lm.nameOrPath());
        }
        assertEquals(
                PeftConfig.fromPretrained(Golden.tinyOpt().resolve("lora")),
                PeftConfig.fromPretrained(Golden.tinyOpt().resolve("lora").toString()));
        assertEquals(0, hub.requestCount(), hub.log().toString());
    }

    @Test
    void neitherAFolderNorARepoIdIsAClearError() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> AutoModelForCausalLM.fromPretrained("no/such/folder"));
        assertTrue(
                e.getMessage().contains("'no/such/folder' is neither a local folder nor a Hub repo id"),
                e.getMessage());
        HubException missing =
                assertThrows(HubException.class, () -> AutoModelForCausalLM.fromPretrained("org/absent"));
        assertEquals(404, missing.statusCode());
    }

    @Test
    void pushToHubThenLoadByIdRoundTrips() {
        try (NDManager m = NDManager.newBaseManager();
                PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(HubTestSupport.BASE);
                PeftModelForCausalLM trained = (PeftModelForCausalLM) PeftModel.getPeftModel(
                        lm,
                        LoraConfig.builder()
                                .r(4)
                                .loraAlpha(8)
                                .targetModules("q_proj", "v_proj")
                                .initLoraWeights(false)
                                .taskType(TaskType.CAUSAL_LM)
                                .build())) {
            float[] expected = logits(trained, m);
            trained.pushToHub("me/opt-lora");

            String card = new String(hub.files("me/opt-lora", "main").get("README.md"), StandardCharsets.UTF_8);
            assertTrue(card.startsWith("---\nbase_model: org/tiny-opt\nlibrary_name: peft\n"), card);
            assertEquals(
                    "org/tiny-opt", PeftConfig.fromPretrained("me/opt-lora").baseModelNameOrPath());

            try (PeftModelForCausalLM loaded = AutoPeftModelForCausalLM.fromPretrained("me/opt-lora")) {
                assertArrayEquals(expected, logits(loaded, m));
            }
        }
    }

    @Test
    void aConfigCanBePushedAlone() {
        PeftConfig config = PeftConfig.fromPretrained(Golden.tinyOpt().resolve("lora"));
        config.pushToHub("me/config-only");
        assertEquals(config, PeftConfig.fromPretrained("me/config-only"));
    }
}
