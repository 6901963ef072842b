package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.testing.Golden;
import ai.peft4j.tuners.Initialization;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code add_weighted_adapter}'s rules beyond the numbers: PEFT's errors (and peft4j's for input PEFT mishandles), each
 * leaving the model as it was; the regex form of target_modules; DARE below density 1 on real adapters.
 */
@DisplayName("add_weighted_adapter: input checks, regex targets, DARE masks")
class WeightedAdapterMergeTest {

    static final Path DIR = WeightedAdapterFixtureTest.DIR;

    PreTrainedCausalLM base;
    PeftModel peft;

    @BeforeEach
    void load() {
        base = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        peft = PeftModel.fromPretrained(base, DIR.resolve("adapters/sql"), "sql", false);
        peft.loadAdapter(DIR.resolve("adapters/chat"), "chat");
        peft.loadAdapter(DIR.resolve("adapters/math"), "math");
    }

    @AfterEach
    void close() {
        peft.close();
    }

    private IllegalArgumentException refused(
            List<String> adapters, List<Double> weights, CombinationType type, WeightedAdapterMerge.Options o) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> peft.addWeightedAdapter(adapters, weights, "merged", type, o));
        assertFalse(peft.peftConfig().containsKey("merged"), "a refused merge adds nothing");
        assertTrue(((LoraModel) peft.baseModel())
                .tunerLayers().values().stream().noneMatch(l -> l.adapterNames().contains("merged")));
        return e;
    }

    @Test
    @DisplayName("PEFT's errors: unequal ranks, unknown adapter, unknown type; negative weights for linear")
    void peftErrors() {
        JsonNode errors = Golden.read(DIR.resolve("golden.json")).get("errors");
        String unequal = refused(
                        List.of("sql", "math"),
                        List.of(1.0, 1.0),
                        CombinationType.LINEAR,
                        WeightedAdapterMerge.options())
                .getMessage();
        String peftText = "All adapters must have the same r value when using combination_type linear, ties, dare_ties"
                + " or dare_linear";
        assertTrue(errors.get("linear_unequal_ranks").asText().contains(peftText));
        assertTrue(unequal.startsWith(peftText), unequal);
        assertTrue(unequal.contains("\"cat\""), "names the way out: " + unequal);
        String unknown = refused(
                        List.of("sql", "zz"), List.of(1.0, 1.0), CombinationType.SVD, WeightedAdapterMerge.options())
                .getMessage();
        assertTrue(unknown.startsWith("Adapter zz does not exist"), unknown);
        assertEquals(
                "ValueError: Adapter zz does not exist",
                errors.get("unknown_adapter").asText());
        IllegalArgumentException type =
                assertThrows(IllegalArgumentException.class, () -> CombinationType.fromString("mean"));
        assertTrue(type.getMessage().startsWith("Invalid combination_type: mean"), type.getMessage());
        assertTrue(errors.get("unknown_type").asText().endsWith("Invalid combination_type: mean"));
        String negative = refused(
                        List.of("sql", "chat"),
                        List.of(1.0, -1.0),
                        CombinationType.LINEAR,
                        WeightedAdapterMerge.options())
                .getMessage();
        assertTrue(negative.contains("weight >= 0") && negative.contains("\"svd\""), negative);
    }

    @Test
    @DisplayName("input PEFT would cut short or fail on later: lengths, density, svd_rank")
    void peft4jChecks() {
        String lengths = refused(
                        List.of("sql", "chat"), List.of(1.0), CombinationType.CAT, WeightedAdapterMerge.options())
                .getMessage();
        assertTrue(lengths.contains("one weight per adapter"), lengths);
        String density = refused(
                        List.of("sql", "chat"), List.of(1.0, 1.0), CombinationType.TIES, WeightedAdapterMerge.options())
                .getMessage();
        assertTrue(density.contains("density(...)"), density);
        for (double bad : new double[] {0, -0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> WeightedAdapterMerge.options()
                            .density(bad));
            assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
        }
        String rank = refused(
                        List.of("sql", "chat"),
                        List.of(1.0, 1.0),
                        CombinationType.SVD,
                        WeightedAdapterMerge.options().svdRank(17))
                .getMessage();
        assertTrue(rank.contains("svdRank(n) with n <= 16"), rank);
        assertThrows(IllegalArgumentException.class, () -> WeightedAdapterMerge.options()
                .svdClamp(1.5));
    }

    @Test
    @DisplayName("regex target_modules join as (re1)|(re2); a mix of regex and names is refused")
    void regexTargets() {
        PreTrainedCausalLM other = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        try (PeftModel p = PeftModel.getPeftModel(other, regex(".*q_proj"), "q")) {
            p.addAdapter("v", regex(".*layers\\.1.*v_proj"));
            p.addAdapter(
                    "names",
                    LoraConfig.builder()
                            .r(4)
                            .targetModules("k_proj")
                            .initLoraWeights(false)
                            .taskType(TaskType.CAUSAL_LM)
                            .build());
            assertTrue(p.addWeightedAdapter(List.of("q", "v"), List.of(1.0, 0.5), "qv", CombinationType.CAT));
            assertFalse(
                    p.addWeightedAdapter(List.of("q", "v"), List.of(1.0, 0.5), "qv", CombinationType.CAT),
                    "the name is taken: PeftModel passes LoraModel's false on");
            LoraConfig merged = (LoraConfig) p.peftConfig().get("qv");
            assertEquals(
                    "(.*q_proj)|(.*layers\\.1.*v_proj)", merged.targetModules().regex());
            assertEquals(8, merged.r());
            assertEquals(8, merged.loraAlpha());
            assertEquals(
                    List.of(
                            "model.decoder.layers.0.self_attn.q_proj",
                            "model.decoder.layers.1.self_attn.q_proj",
                            "model.decoder.layers.1.self_attn.v_proj"),
                    ((LoraModel) p.baseModel())
                            .tunerLayers().entrySet().stream()
                                    .filter(e -> e.getValue().adapterNames().contains("qv"))
                                    .map(java.util.Map.Entry::getKey)
                                    .sorted()
                                    .toList());
            IllegalArgumentException mixed = assertThrows(
                    IllegalArgumentException.class,
                    () -> p.addWeightedAdapter(List.of("q", "names"), List.of(1.0, 1.0), "mix", CombinationType.SVD));
            assertTrue(mixed.getMessage().startsWith("all adapter configs should follow the same target modules"));
        }
    }

    private static LoraConfig regex(String regex) {
        return LoraConfig.builder()
                .r(4)
                .targetModulesRegex(regex)
                .initLoraWeights(false)
                .taskType(TaskType.CAUSAL_LM)
                .build();
    }

    @Test
    @DisplayName("dare_linear below density 1: each value of the new factors is a sum of kept, rescaled source values")
    void dareLinearKeepsAndRescales() {
        Initialization.manualSeed(5);
        double d = 0.5;
        peft.addWeightedAdapter(
                List.of("sql", "chat"),
                List.of(0.7, 1.3),
                "dare",
                CombinationType.DARE_LINEAR,
                WeightedAdapterMerge.options().density(d));
        LoraModel lora = (LoraModel) peft.baseModel();
        int entries = 0;
        int both = 0;
        for (var e : lora.loraLayers().entrySet()) {
            LoraLinear l = e.getValue();
            if (!l.adapterNames().containsAll(List.of("sql", "chat", "dare"))) {
                continue;
            }
            float[] merged = l.loraA("dare").weight().getArray().toFloatArray();
            float[] a = l.loraA("sql").weight().getArray().toFloatArray();
            float[] b = l.loraA("chat").weight().getArray().toFloatArray();
            double ca = Math.sqrt(0.7 * l.scaling("sql")) / d;
            double cb = Math.sqrt(1.3 * l.scaling("chat")) / d;
            for (int i = 0; i < merged.length; i++) {
                double[] options = {0, ca * a[i], cb * b[i], ca * a[i] + cb * b[i]};
                int which = -1;
                for (int o = 0; o < 4; o++) {
                    if (Math.abs(merged[i] - options[o]) < 1e-5) {
                        which = o;
                    }
                }
                assertTrue(which >= 0, e.getKey() + " entry " + i + " = " + merged[i]);
                entries++;
                both += which == 3 ? 1 : 0;
            }
        }
        assertEquals(4 * 4 * 16, entries, "q_proj and v_proj of two layers");
        assertTrue(Math.abs(both / (double) entries - d * d) < 0.08, both + " of " + entries + " kept from both");
    }
}
