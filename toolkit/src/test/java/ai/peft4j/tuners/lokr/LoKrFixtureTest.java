package ai.peft4j.tuners.lokr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.TinyOptAdapterFixture;
import ai.peft4j.train.AdamW;
import ai.peft4j.tuners.TunerLayer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoKr adapter written by Python PEFT 0.10 on tiny_opt ({@code reference/tiny_opt_lokr}, made by
 * {@code scripts/lokr_reference.py}): decomposed factors on q_proj/v_proj (r = 1, decompose_both), full factors
 * on fc1 (rank_pattern r = 4).
 */
@DisplayName("A LoKr adapter written by Python PEFT (reference/tiny_opt_lokr)")
class LoKrFixtureTest extends TinyOptAdapterFixture {

    LoKrFixtureTest() {
        super(Golden.hfReference().getParent().resolve("reference").resolve("tiny_opt_lokr"));
    }

    @Test
    @DisplayName("loads as a LoKr adapter and reproduces PEFT's logits; disabled gives the base logits")
    void logits() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        assertTrue(peft.peftConfig().get("default") instanceof LoKrConfig);
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "peft_logits");
        try (var off = peft.disableAdapter()) {
            Golden.assertClose(expected("disable_adapter_logits"), run(base).logits(), 1e-4, "disabled");
        }
    }

    @Test
    @DisplayName("builds PEFT's factor shapes and computes each layer-0 delta as kron(w1, w2), unscaled as in 0.10")
    void deltas() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        LoKrLinear q = (LoKrLinear) ModuleTree.get(peft.getBaseModel(), "model.decoder.layers.0.self_attn.q_proj");
        assertNull(q.parameter("lokr_w1", "default"));
        assertNotNull(q.parameter("lokr_w1_a", "default"));
        assertEquals(2.0, q.settings("default").scaling(), "recorded, though PEFT 0.10 does not apply it");
        LoKrLinear fc1 = (LoKrLinear) ModuleTree.get(peft.getBaseModel(), "model.decoder.layers.0.fc1");
        assertEquals(4, fc1.settings("default").r(), "rank_pattern");
        assertEquals(
                List.of(4L, 4L),
                List.of(
                        fc1.parameter("lokr_w1", "default").getShape().getShape()[0],
                        fc1.parameter("lokr_w1", "default").getShape().getShape()[1]));
        JsonNode deltas = golden.get("delta_weights");
        List<String> modules = new ArrayList<>();
        deltas.fieldNames().forEachRemaining(modules::add);
        assertEquals(3, modules.size());
        for (String path : modules) {
            LoKrLinear layer = (LoKrLinear) ModuleTree.get(peft.getBaseModel(), path);
            Golden.assertClose(Golden.floats(step, deltas.get(path)), layer.deltaWeight("default", step), 1e-5, path);
        }
    }

    @Test
    @DisplayName("mergeAndUnload gives PEFT's merged logits and layer-0 weights")
    void mergeAndUnload() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        Block merged = peft.mergeAndUnload();
        assertTrue(ModuleTree.namedModules(merged).values().stream().noneMatch(b -> b instanceof TunerLayer));
        Golden.assertClose(expected("merge_and_unload_logits"), run(base).logits(), 1e-4, "merged logits");
        for (String m : List.of("self_attn.q_proj", "self_attn.v_proj", "fc1")) {
            Linear l = (Linear) ModuleTree.get(merged, "model.decoder.layers.0." + m);
            Golden.assertClose(
                    expected("merged_model.decoder.layers.0." + m + ".weight"),
                    l.weight().getArray(),
                    1e-5,
                    m);
        }
    }

    @Test
    @DisplayName("saves the same keys, tensors and adapter_config.json as PEFT; the saved folder reloads")
    void saveAgainAndReload(@TempDir Path dir) throws Exception {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        peft.savePretrained(dir);
        try (SafetensorsFile ours = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
                SafetensorsFile theirs = SafetensorsFile.open(adapterDir.resolve("adapter_model.safetensors"))) {
            List<String> expectedKeys = new ArrayList<>();
            golden.get("adapter_file_keys").fieldNames().forEachRemaining(expectedKeys::add);
            assertEquals(new TreeSet<>(expectedKeys), new TreeSet<>(ours.names()));
            assertSameTensors(theirs, ours);
        }
        assertSameAdapterConfig(dir);
        PreTrainedCausalLM fresh = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        try (PeftModel reloaded = PeftModel.fromPretrained(fresh, dir)) {
            Golden.assertClose(expected("reloaded_from_disk_logits"), run(fresh).logits(), 1e-4, "reloaded");
        }
    }

    @Test
    @DisplayName("Peft.lokr() with the script's settings prints PEFT's trainable-parameter line and names")
    void printedLine() {
        LoKrConfig config = Peft.lokr()
                .r(1)
                .alpha(2)
                .decomposeBoth(true)
                .initWeights(false)
                .targets("q_proj", "v_proj", "fc1")
                .task(TaskType.CAUSAL_LM)
                .set(LoKrConfig.RANK_PATTERN, Map.of("fc1", 4))
                .build();
        assertEquals(
                LoKrConfig.SCHEMA.fromPretrained(adapterDir).toBuilder()
                        .inferenceMode(false)
                        .baseModelNameOrPath(null)
                        .build(),
                config);
        PeftModel peft = PeftModel.getPeftModel(base, config);
        assertEquals(
                golden.get("print_trainable_parameters").asText(),
                peft.getNbTrainableParameters().toString());
        List<String> expected = new ArrayList<>();
        golden.get("trainable_parameters").forEach(e -> expected.add(e.get(0).asText()));
        assertEquals(
                new TreeSet<>(expected),
                new TreeSet<>(peft.trainableParameters().keySet()));
    }

    @Test
    @DisplayName("with PEFT's default init (w1 zero) a new adapter leaves the logits unchanged")
    void defaultInitIsIdentity() {
        PeftModel.getPeftModel(
                base, LoKrConfig.builder().targetModules("q_proj", "v_proj").build());
        Golden.assertClose(expected("base_logits"), run(base).logits(), 1e-5, "identity start");
    }

    @Test
    @DisplayName("without target_modules PEFT's error is given and the model is untouched")
    void targetsRequired() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> PeftModel.getPeftModel(base, LoKrConfig.builder().build()));
        assertEquals("Please specify `target_modules` in `peft_config`", e.getMessage());
        assertTrue(ModuleTree.namedModules(base).values().stream().noneMatch(b -> b instanceof TunerLayer));
    }

    @Test
    @DisplayName("one AdamW step matches PEFT's loss, gradients and updated weights within 1e-5")
    void trainStep() {
        JsonNode ref = golden.get("train_step");
        JsonNode in = golden.get("inputs");
        try (PeftModel peft = PeftModel.fromPretrained(base, adapterDir, true);
                NDManager root = NDManager.newBaseManager()) {
            Map<String, Parameter> params = peft.trainableParameters();
            List<String> names = new ArrayList<>();
            ref.get("grads").fieldNames().forEachRemaining(names::add);
            assertEquals(new TreeSet<>(names), new TreeSet<>(params.keySet()), "exactly the lokr_* factors train");
            try (NDManager s = root.newSubManager();
                    AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.0, params.keySet(), root)) {
                double loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray l = base.forward(
                                    new ParameterStore(s, false),
                                    LmInputs.of(
                                            Golden.longs(s, in.get("input_ids")),
                                            Golden.longs(s, in.get("attention_mask")),
                                            Golden.longs(s, in.get("labels"))),
                                    true)
                            .loss();
                    gc.backward(l);
                    loss = l.getFloat();
                }
                assertEquals(ref.get("loss").asDouble(), loss, 1e-5, "loss");
                Map<String, NDArray> grads = new LinkedHashMap<>();
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    g.attach(s);
                    grads.put(e.getKey(), g);
                    Golden.assertClose(
                            Golden.floats(s, ref.get("grads").get(e.getKey())), g, 1e-5, "grad " + e.getKey());
                }
                adamw.step(params, grads, 1e-3, s);
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    Golden.assertClose(
                            Golden.floats(s, ref.get("params_after_adamw_step").get(e.getKey())),
                            e.getValue().getArray(),
                            1e-5,
                            "updated " + e.getKey());
                }
            }
        }
    }

    @Test
    @DisplayName("factorization(dimension, factor) gives PEFT's pairs for every entry of the script's table")
    void factorizationTable() {
        int n = 0;
        for (JsonNode row : golden.get("factorization")) {
            long dim = row.get(0).asLong();
            int factor = row.get(1).asInt();
            long[] ours = LoKrLinear.factorization(dim, factor);
            assertArrayEquals(
                    new long[] {row.get(2).get(0).asLong(), row.get(2).get(1).asLong()},
                    ours,
                    "factorization(" + dim + ", " + factor + ")");
            n++;
        }
        assertTrue(n > 100, "table read");
    }

    @Test
    @DisplayName("kron matches its definition: kron(A, B)[i·b + k, j·d + l] = A[i, j]·B[k, l]")
    void kronIdentity() {
        NDArray a = step.arange(6f).reshape(2, 3).add(1);
        NDArray b = step.arange(8f).reshape(4, 2).sub(3);
        float[] k = LoKrLinear.kron(a, b).toFloatArray();
        float[] av = a.toFloatArray();
        float[] bv = b.toFloatArray();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int p = 0; p < 4; p++) {
                    for (int q = 0; q < 2; q++) {
                        assertEquals(av[i * 3 + j] * bv[p * 2 + q], k[(i * 4 + p) * 6 + j * 2 + q], 0f);
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("reads as LOKR through PeftConfig with decompose_both and decompose_factor")
    void config() {
        PeftConfig c = PeftConfig.fromPretrained(adapterDir);
        assertTrue(c instanceof LoKrConfig);
        assertTrue(((LoKrConfig) c).decomposeBoth());
        assertEquals(-1, ((LoKrConfig) c).decomposeFactor());
        assertEquals(4, ((LoKrConfig) c).rankFor("model.decoder.layers.1.fc1"));
    }
}
