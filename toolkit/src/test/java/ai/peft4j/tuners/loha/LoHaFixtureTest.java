package ai.peft4j.tuners.loha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.peft4j.PeftModel;
import ai.peft4j.config.PeftConfig;
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

/** A LoHa adapter written by Python PEFT 0.10 on tiny_opt ({@code hf-reference/wave2/tiny_opt_loha}). */
@DisplayName("A LoHa adapter written by Python PEFT (wave2/tiny_opt_loha)")
class LoHaFixtureTest extends TinyOptAdapterFixture {

    LoHaFixtureTest() {
        super(Golden.fixture("wave2/tiny_opt_loha"));
    }

    @Test
    @DisplayName("loads as a LoHa adapter and reproduces PEFT's logits; disabled gives the base logits")
    void logits() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        assertTrue(peft.peftConfig().get("default") instanceof LoHaConfig);
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "peft_logits");
        try (var off = peft.disableAdapter()) {
            Golden.assertClose(expected("disable_adapter_logits"), run(base).logits(), 1e-4, "disabled");
        }
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "enabled again");
    }

    @Test
    @DisplayName("computes each module's delta as (w1_a@w1_b)*(w2_a@w2_b)*alpha/r")
    void deltas() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        JsonNode deltas = golden.get("delta_weights (get_delta_weight, adapter 'default')");
        List<String> modules = new ArrayList<>();
        deltas.fieldNames().forEachRemaining(modules::add);
        assertTrue(modules.contains("model.decoder.layers.0.self_attn.q_proj"), modules.toString());
        for (String path : modules) {
            LoHaLinear layer = (LoHaLinear) ModuleTree.get(peft.getBaseModel(), path);
            assertEquals(2.0, layer.settings("default").scaling());
            Golden.assertClose(Golden.floats(step, deltas.get(path)), layer.deltaWeight("default", step), 1e-5, path);
        }
    }

    @Test
    @DisplayName("mergeAndUnload gives PEFT's merged logits and layer-0 q_proj weight, and no LoHa layer remains")
    void mergeAndUnload() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        Block merged = peft.mergeAndUnload();
        assertTrue(ModuleTree.namedModules(merged).values().stream().noneMatch(b -> b instanceof TunerLayer));
        Golden.assertClose(expected("merge_and_unload_logits"), run(base).logits(), 1e-4, "merged logits");
        Linear q = (Linear) ModuleTree.get(merged, "model.decoder.layers.0.self_attn.q_proj");
        Golden.assertClose(
                expected("merged_model.decoder.layers.0.self_attn.q_proj.weight"),
                q.weight().getArray(),
                1e-5,
                "merged q weight");
        Golden.assertClose(
                expected("merged_model.decoder.layers.0.self_attn.q_proj.bias"),
                q.bias().getArray(),
                1e-6,
                "bias unchanged");
    }

    @Test
    @DisplayName("merge, unmerge and unload: merged forward equals unmerged; unload gives the base model back")
    void mergeUnmergeUnload() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        peft.mergeAdapter();
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "merged forward");
        peft.unmergeAdapter();
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "unmerged forward");
        peft.unload();
        Golden.assertClose(expected("base_logits"), run(base).logits(), 1e-4, "unloaded");
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
    @DisplayName("a new LoHa adapter from the builder prints PEFT's trainable-parameter line and names")
    void printedLine() {
        LoHaConfig config = LoHaConfig.builder()
                .r(4)
                .alpha(8)
                .targetModules("q_proj", "v_proj")
                .initWeights(false)
                .taskType(ai.peft4j.config.TaskType.CAUSAL_LM)
                .build();
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
    @DisplayName("with PEFT's default init (init_weights=true) a new adapter leaves the logits unchanged")
    void defaultInitIsIdentity() {
        PeftModel peft = PeftModel.getPeftModel(
                base, LoHaConfig.builder().targetModules("q_proj", "v_proj").build());
        Golden.assertClose(expected("base_logits"), run(base).logits(), 1e-5, "identity start");
        LoHaLinear q = (LoHaLinear) ModuleTree.get(peft.getBaseModel(), "model.decoder.layers.0.self_attn.q_proj");
        assertEquals(
                0f, q.parameter("hada_w2_b", "default").getArray().abs().max().getFloat());
        assertTrue(q.parameter("hada_w1_a", "default").getArray().abs().max().getFloat() > 0);
    }

    @Test
    @DisplayName(
            "without target_modules PEFT's error is given (LoHa has no default targets) and the model is untouched")
    void targetsRequired() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> PeftModel.getPeftModel(base, LoHaConfig.builder().build()));
        assertEquals("Please specify `target_modules` in `peft_config`", e.getMessage());
        assertTrue(ModuleTree.namedModules(base).values().stream().noneMatch(b -> b instanceof TunerLayer));
    }

    @Test
    @DisplayName("one AdamW step matches PEFT's loss, gradients and updated weights within 1e-5")
    void trainStep() {
        JsonNode ref = Golden.read(adapterDir.resolve("train_step.json"));
        JsonNode in = ref.get("inputs");
        try (PeftModel peft = PeftModel.fromPretrained(base, adapterDir, true);
                NDManager root = NDManager.newBaseManager()) {
            Map<String, Parameter> params = peft.trainableParameters();
            List<String> names = new ArrayList<>();
            ref.get("trainable_param_names").forEach(n -> names.add(n.asText()));
            assertEquals(new TreeSet<>(names), new TreeSet<>(params.keySet()), "exactly the hada_* factors train");
            try (NDManager s = root.newSubManager();
                    AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.0, params.keySet(), root)) {
                NDArray ids = Golden.longs(s, in.get("input_ids"));
                NDArray mask = Golden.longs(s, in.get("attention_mask"));
                NDArray labels = Golden.longs(s, in.get("labels"));
                double loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray l = base.forward(new ParameterStore(s, false), LmInputs.of(ids, mask, labels), true)
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
    @DisplayName("keeps a second adapter, switches to it and deletes it")
    void twoAdapters() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        peft.addAdapter(
                "other", LoHaConfig.builder().r(2).targetModules("q_proj").build());
        peft.setAdapter("other");
        Golden.assertClose(expected("base_logits"), run(base).logits(), 1e-5, "other starts as identity");
        peft.setAdapter("default");
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "default");
        peft.deleteAdapter("other");
        assertEquals(List.of("default"), List.copyOf(peft.peftConfig().keySet()));
        assertTrue(PeftConfig.fromPretrained(adapterDir) instanceof LoHaConfig);
    }
}
