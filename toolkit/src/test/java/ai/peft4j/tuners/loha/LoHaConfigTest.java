package ai.peft4j.tuners.loha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.config.PeftType;
import ai.peft4j.config.TaskType;
import ai.peft4j.testing.Golden;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LoHaConfig reads and writes PEFT 0.10's adapter_config.json")
class LoHaConfigTest {

    static final Path DIR = Golden.fixture("wave2/tiny_opt_loha");

    @Test
    @DisplayName("PEFT's file reads as LOHA with its values and writes back the same keys and values")
    void roundTrip() throws Exception {
        PeftConfig read = PeftConfig.fromPretrained(DIR);
        assertTrue(read instanceof LoHaConfig);
        LoHaConfig c = (LoHaConfig) read;
        assertEquals(PeftType.LOHA, c.peftType());
        assertEquals(4, c.r());
        assertEquals(8, c.alpha());
        assertEquals(false, c.initWeights());
        assertEquals(TaskType.CAUSAL_LM, c.taskType());
        ObjectNode theirs = (ObjectNode) Golden.read(DIR.resolve("adapter_config.json"));
        ObjectNode ours = (ObjectNode) new ObjectMapper().readTree(c.toJson());
        sortTargets(theirs);
        sortTargets(ours);
        assertEquals(theirs, ours);
    }

    @Test
    @DisplayName("the builder's defaults are PEFT's: r 8, alpha 8, no dropout, init_weights true, empty patterns")
    void defaults() throws Exception {
        LoHaConfig c = LoHaConfig.builder().targetModules("q_proj").build();
        JsonNode json = new ObjectMapper().readTree(c.toJson());
        assertEquals(8, json.get("r").asInt());
        assertEquals(8, json.get("alpha").asInt());
        assertEquals(0.0, json.get("rank_dropout").asDouble());
        assertEquals(0.0, json.get("module_dropout").asDouble());
        assertEquals(true, json.get("init_weights").asBoolean());
        assertEquals(false, json.get("use_effective_conv2d").asBoolean());
        assertEquals(0, json.get("rank_pattern").size());
        assertEquals(0, json.get("alpha_pattern").size());
        assertTrue(json.get("layers_to_transform").isNull());
        assertTrue(json.get("modules_to_save").isNull());
        assertTrue(!json.has("exclude_modules"), "exclude_modules only when set");
        assertEquals(c, LoHaConfig.SCHEMA.fromJson(c.toJson()));
    }

    @Test
    @DisplayName("rank_pattern and alpha_pattern keys match as PEFT 0.10's LyCORIS does: (.*\\.)?key$")
    void patterns() {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        ranks.put("layers\\.0\\.self_attn\\.q_proj", 2);
        ranks.put("v_proj", 6);
        LoHaConfig c = LoHaConfig.builder()
                .r(4)
                .alpha(8)
                .targetModules("q_proj", "v_proj")
                .rankPattern(ranks)
                .alphaPattern(Map.of("model.decoder.layers.1.self_attn.q_proj", 3))
                .build();
        assertEquals(2, c.rankFor("model.decoder.layers.0.self_attn.q_proj"));
        assertEquals(8, c.alphaFor("model.decoder.layers.0.self_attn.q_proj"), "one key serves both lookups");
        assertEquals(6, c.rankFor("model.decoder.layers.1.self_attn.v_proj"));
        assertEquals(4, c.rankFor("model.decoder.layers.1.self_attn.q_proj"));
        assertEquals(3, c.alphaFor("model.decoder.layers.1.self_attn.q_proj"), "a whole path is a key too");
        assertEquals(2, c.rankFor("layers.0.self_attn.q_proj"), "the prefix before the key is optional");
    }

    @Test
    @DisplayName("Peft.loha() builds the same config with the short names")
    void fluent() {
        assertEquals(
                LoHaConfig.builder()
                        .r(4)
                        .alpha(8)
                        .rankDropout(0.1)
                        .moduleDropout(0.2)
                        .initWeights(false)
                        .targetModules("q_proj", "v_proj")
                        .taskType(TaskType.CAUSAL_LM)
                        .build(),
                ai.peft4j.Peft.loha()
                        .r(4)
                        .alpha(8)
                        .rankDropout(0.1)
                        .moduleDropout(0.2)
                        .initWeights(false)
                        .targets("q_proj", "v_proj")
                        .task(TaskType.CAUSAL_LM)
                        .build());
    }

    @Test
    @DisplayName("bad values are refused with the key named")
    void validation() {
        PeftConfigException e = assertThrows(
                PeftConfigException.class, () -> LoHaConfig.builder().r(0).build());
        assertTrue(e.getMessage().contains("'r'"), e.getMessage());
        e = assertThrows(
                PeftConfigException.class,
                () -> LoHaConfig.builder().rankDropout(1.5).build());
        assertTrue(e.getMessage().contains("rank_dropout"), e.getMessage());
        e = assertThrows(
                PeftConfigException.class,
                () -> LoHaConfig.builder().moduleDropout(-0.1).build());
        assertTrue(e.getMessage().contains("module_dropout"), e.getMessage());
        e = assertThrows(
                PeftConfigException.class,
                () -> LoHaConfig.builder().rankPattern(Map.of("q_proj", 0)).build());
        assertTrue(e.getMessage().contains("rank_pattern"), e.getMessage());
    }

    private static void sortTargets(ObjectNode config) {
        List<String> names = new ArrayList<>();
        config.get("target_modules").forEach(n -> names.add(n.asText()));
        names.sort(null);
        ArrayNode sorted = config.putArray("target_modules");
        names.forEach(sorted::add);
    }
}
