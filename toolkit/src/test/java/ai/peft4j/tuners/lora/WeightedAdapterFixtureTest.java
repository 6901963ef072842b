package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.peft4j.PeftModel;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.TinyOptAdapterFixture;
import ai.peft4j.tuners.TunerLayer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code add_weighted_adapter} against {@code reference/tiny_opt_weighted}, written by PEFT 0.10 through {@code
 * scripts/weighted_adapter_reference.py}: three saved adapters (sql and chat of rank 4, math of rank 2, on q_proj/v_proj plus
 * embed_tokens or fc1) merged by every combination type; the merged {@code B·A·scaling} of every layer, the saved
 * {@code adapter_config.json} and the logits with the merged adapter active.
 */
@DisplayName("add_weighted_adapter merges as PEFT 0.10 does")
class WeightedAdapterFixtureTest extends TinyOptAdapterFixture {

    static final Path DIR =
            Golden.hfReference().getParent().resolve("reference").resolve("tiny_opt_weighted");

    @TempDir
    Path tmp;

    WeightedAdapterFixtureTest() {
        super(DIR);
    }

    static Stream<String> cases() {
        List<String> names = new ArrayList<>();
        Golden.read(DIR.resolve("golden.json")).get("cases").fieldNames().forEachRemaining(names::add);
        return names.stream();
    }

    /** The three source adapters loaded from PEFT's files, "sql" active. */
    PeftModel sources() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir.resolve("adapters/sql"), "sql", false);
        peft.loadAdapter(adapterDir.resolve("adapters/chat"), "chat");
        peft.loadAdapter(adapterDir.resolve("adapters/math"), "math");
        return peft;
    }

    static WeightedAdapterMerge.Options options(JsonNode o) {
        WeightedAdapterMerge.Options options = WeightedAdapterMerge.options();
        if (o.has("density")) {
            options.density(o.get("density").doubleValue());
        }
        if (o.has("majority_sign_method")) {
            options.majoritySignMethod(o.get("majority_sign_method").asText());
        }
        if (o.has("svd_rank")) {
            options.svdRank(o.get("svd_rank").intValue());
        }
        if (o.has("svd_clamp")) {
            options.svdClamp(o.get("svd_clamp").doubleValue());
        }
        if (o.has("svd_full_matrices")) {
            options.svdFullMatrices(o.get("svd_full_matrices").booleanValue());
        }
        return options;
    }

    static void merge(PeftModel peft, String name, JsonNode c) {
        List<String> adapters = new ArrayList<>();
        c.get("adapters").forEach(n -> adapters.add(n.asText()));
        List<Double> weights = new ArrayList<>();
        c.get("weights").forEach(n -> weights.add(n.doubleValue()));
        peft.addWeightedAdapter(
                adapters,
                weights,
                name,
                CombinationType.fromString(c.get("combination_type").asText()),
                options(c.get("options")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void deltaWeightsConfigAndLogitsMatchPeft(String name) throws Exception {
        JsonNode c = golden.get("cases").get(name);
        PeftModel peft = sources();
        merge(peft, name, c);
        assertEquals("sql", peft.activeAdapter(), "the merged adapter is not activated");

        LoraModel lora = (LoraModel) peft.baseModel();
        Map<String, TunerLayer> layers = lora.tunerLayers();
        TreeSet<String> holding = new TreeSet<>();
        layers.forEach((path, layer) -> {
            if (layer.adapterNames().contains(name)) {
                holding.add(path);
            }
        });
        TreeSet<String> expectedPaths = new TreeSet<>();
        c.get("delta_weights").fieldNames().forEachRemaining(expectedPaths::add);
        assertEquals(expectedPaths, holding, "the layers holding the merged adapter");
        boolean clamped = c.get("options").has("svd_clamp");
        for (String path : expectedPaths) {
            NDArray delta = ((ai.peft4j.tuners.BaseTunerLayer<?>) layers.get(path)).deltaWeight(name, step);
            NDArray expected = clamped
                    ? clampedWithOurSigns(layers.get(path), name, path, c)
                    : Golden.floats(step, c.get("delta_weights").get(path));
            Golden.assertClose(expected, delta, 1e-5, name + " " + path);
        }

        peft.savePretrained(tmp, List.of(name));
        ObjectNode ours = (ObjectNode) Golden.read(tmp.resolve(name).resolve("adapter_config.json"));
        ObjectNode theirs = ((ObjectNode) c.get("adapter_config")).deepCopy();
        sortTargets(ours);
        sortTargets(theirs);
        assertEquals(theirs, ours, "adapter_config.json");

        peft.setAdapter(name);
        if (!clamped) { // clamping depends on the singular vectors' signs: see clampedWithOurSigns
            Golden.assertClose(expected(c, "logits"), run(base).logits(), 1e-4, name + " logits");
        }
        assertTrue(
                peft.trainableParameters().keySet().stream().allMatch(k -> k.contains("." + name)),
                "after setAdapter the merged adapter is the one that trains");
    }

    /**
     * {@code svd_clamp} takes a quantile over the factors' values, so it depends on the sign LAPACK gives each singular
     * pair, which no other SVD reproduces. Expected here: PEFT's unclamped factors of the same merge ({@code m_svd},
     * same adapters, weights and type, so the same torch SVD), cut to this case's rank, each pair's sign turned to
     * ours, then clamped by {@link WeightedAdapterMerge#clamp} ({@link #clampAsPeftWithTorchSigns} checks that step on
     * torch's own signs against PEFT's result).
     */
    private NDArray clampedWithOurSigns(TunerLayer layer, String name, String path, JsonNode c) {
        int rank = c.get("adapter_config").get("r").intValue();
        double[][][] torch = torchFactors(path, rank);
        double[][] ourA = rows(
                layer instanceof LoraLinear l
                        ? l.loraA(name).weight().getArray()
                        : ((LoraEmbedding) layer).loraEmbeddingA(name).getArray());
        for (int k = 0; k < rank; k++) {
            double dot = 0;
            for (int j = 0; j < ourA[k].length; j++) {
                dot += ourA[k][j] * torch[0][k][j];
            }
            if (dot < 0) {
                for (int j = 0; j < torch[0][k].length; j++) {
                    torch[0][k][j] = -torch[0][k][j];
                }
                for (double[] row : torch[1]) {
                    row[k] = -row[k];
                }
            }
        }
        WeightedAdapterMerge.clamp(
                torch[1], torch[0], c.get("options").get("svd_clamp").doubleValue());
        return delta(torch[1], torch[0], layer instanceof LoraEmbedding);
    }

    @Test
    @DisplayName("svd_clamp: PEFT's own factors, clamped here, give PEFT's clamped adapter")
    void clampAsPeftWithTorchSigns() {
        JsonNode c = golden.get("cases").get("m_svd_clamp");
        int rank = c.get("adapter_config").get("r").intValue();
        c.get("delta_weights").fieldNames().forEachRemaining(path -> {
            double[][][] torch = torchFactors(path, rank);
            WeightedAdapterMerge.clamp(
                    torch[1], torch[0], c.get("options").get("svd_clamp").doubleValue());
            NDArray expected = Golden.floats(step, c.get("delta_weights").get(path));
            Golden.assertClose(expected, delta(torch[1], torch[0], path.endsWith("embed_tokens")), 1e-5, path);
        });
    }

    /** PEFT's unclamped m_svd factors of {@code path} cut to {@code rank}: {A [rank][in], B [out][rank]}. */
    private double[][][] torchFactors(String path, int rank) {
        JsonNode f = golden.get("cases").get("m_svd").get("factors").get(path);
        double[][] a = rows(Golden.floats(step, f.get("A")));
        double[][] b = rows(Golden.floats(step, f.get("B")));
        double[][] aCut = java.util.Arrays.copyOf(a, rank);
        double[][] bCut = new double[b.length][];
        for (int o = 0; o < b.length; o++) {
            bCut[o] = java.util.Arrays.copyOf(b[o], rank);
        }
        return new double[][][] {aCut, bCut};
    }

    /** {@code B·A} (scaling 1: the merged adapter has lora_alpha = r), transposed for an embedding as PEFT's delta. */
    private NDArray delta(double[][] b, double[][] a, boolean embedding) {
        float[] v = new float[b.length * a[0].length];
        for (int o = 0; o < b.length; o++) {
            for (int j = 0; j < a[0].length; j++) {
                double sum = 0;
                for (int k = 0; k < a.length; k++) {
                    sum += b[o][k] * a[k][j];
                }
                v[o * a[0].length + j] = (float) sum;
            }
        }
        NDArray m = step.create(v, new ai.djl.ndarray.types.Shape(b.length, a[0].length));
        return embedding ? m.transpose() : m;
    }

    private static double[][] rows(NDArray m) {
        long[] shape = m.getShape().getShape();
        float[] v = m.toFloatArray();
        double[][] out = new double[(int) shape[0]][(int) shape[1]];
        for (int r = 0; r < out.length; r++) {
            for (int j = 0; j < out[r].length; j++) {
                out[r][j] = v[r * out[r].length + j];
            }
        }
        return out;
    }

    private NDArray expected(JsonNode c, String field) {
        return Golden.floats(step, c.get(field));
    }

    private static void sortTargets(ObjectNode config) {
        List<String> names = new ArrayList<>();
        config.get("target_modules").forEach(n -> names.add(n.asText()));
        names.sort(null);
        ArrayNode sorted = config.putArray("target_modules");
        names.forEach(sorted::add);
    }

    @Test
    @DisplayName("the merged adapter is frozen and inactive until set; a taken name changes nothing")
    void newAdapterFrozenAndExistingNameKept() {
        PeftModel peft = sources();
        JsonNode c = golden.get("cases").get("m_linear");
        NDArray before = run(base).logits().duplicate();
        merge(peft, "m_linear", c);
        assertFalse(peft.trainableParameters().keySet().stream().anyMatch(k -> k.contains("m_linear")));
        Golden.assertClose(before, run(base).logits(), 0, "active adapter sql unchanged");
        LoraLinear q = (LoraLinear)
                ((LoraModel) peft.baseModel()).tunerLayers().get("model.decoder.layers.0.self_attn.q_proj");
        float[] kept = q.deltaWeight("m_linear", step).toFloatArray();
        merge(peft, "m_linear", golden.get("cases").get("m_cat")); // PEFT returns when the name exists
        assertEquals(4, q.r("m_linear"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                kept, q.deltaWeight("m_linear", step).toFloatArray());
        assertNotEquals(0f, kept[0]);
    }
}
