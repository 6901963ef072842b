package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import ai.peft4j.tuners.Initialization;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A DoRA adapter written by Python PEFT 0.10 (wave2/tiny_opt_dora)")
class DoraFixtureTest extends TinyOptAdapterFixture {

    DoraFixtureTest() {
        super(Golden.fixture("wave2/tiny_opt_dora"));
    }

    @Test
    @DisplayName("reproduces PEFT's logits, the base logits when disabled, and PEFT's after a disk round trip")
    void logits(@TempDir Path dir) {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "peft_logits");
        try (var off = peft.disableAdapter()) {
            Golden.assertClose(expected("disable_adapter_logits"), run(base).logits(), 1e-4, "disabled");
        }
        peft.savePretrained(dir);
        PreTrainedCausalLM fresh = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        PeftModel.fromPretrained(fresh, dir);
        Golden.assertClose(expected("reloaded_from_disk_logits"), run(fresh).logits(), 1e-4, "reloaded");
        fresh.close();
    }

    @Test
    @DisplayName("mergeAndUnload gives PEFT's merged logits and layer-0 weights; unmerge restores the base")
    void merge() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        Linear q0 =
                (Linear) ((LoraLinear) ModuleTree.get(peft.getBaseModel(), "model.decoder.layers.0.self_attn.q_proj"))
                        .baseLayer();
        float[] before = q0.weight().getArray().toFloatArray();
        peft.mergeAdapter();
        Golden.assertClose(expected("merge_and_unload_logits"), run(base).logits(), 1e-4, "merged forward");
        peft.unmergeAdapter();
        Golden.assertClose(
                step.create(before, q0.weight().getShape()), q0.weight().getArray(), 1e-6, "restored");

        Block merged = peft.mergeAndUnload();
        Golden.assertClose(expected("merge_and_unload_logits"), run(base).logits(), 1e-4, "merged logits");
        for (String m : List.of("q_proj", "v_proj")) {
            Linear l = (Linear) ModuleTree.get(merged, "model.decoder.layers.0.self_attn." + m);
            String key = "merged_model.decoder.layers.0.self_attn." + m;
            Golden.assertClose(expected(key + ".weight"), l.weight().getArray(), 1e-5, key + ".weight");
            Golden.assertClose(expected(key + ".bias"), l.bias().getArray(), 1e-5, key + ".bias (not rescaled)");
        }
    }

    @Test
    @DisplayName("names the magnitude …lora_magnitude_vector.default in memory and prints PEFT's line")
    void inMemoryNamesAndPrintedLine() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir, true);
        Map<String, List<Long>> ours = new TreeMap<>();
        peft.trainableParameters().forEach((k, p) -> {
            List<Long> shape = new ArrayList<>();
            for (long d : p.getArray().getShape().getShape()) {
                shape.add(d);
            }
            ours.put(k, shape);
        });
        Map<String, List<Long>> theirs = new TreeMap<>();
        golden.get("trainable_parameters").forEach(e -> {
            List<Long> shape = new ArrayList<>();
            e.get(1).forEach(d -> shape.add(d.asLong()));
            theirs.put(e.get(0).asText(), shape);
        });
        assertEquals(theirs, ours);
        assertEquals(
                golden.get("print_trainable_parameters").asText(),
                peft.getNbTrainableParameters().toString());
    }

    @Test
    @DisplayName("saves the same tensors under PEFT's keys and the same adapter_config.json")
    void saveAgain(@TempDir Path dir) throws Exception {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        peft.savePretrained(dir);
        try (SafetensorsFile ours = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
                SafetensorsFile theirs = SafetensorsFile.open(adapterDir.resolve("adapter_model.safetensors"))) {
            assertEquals(new TreeSet<>(theirs.names()), new TreeSet<>(ours.names()));
            assertSameTensors(theirs, ours);
        }
        assertSameAdapterConfig(dir);
    }

    @Test
    @DisplayName("a new DoRA adapter starts with m = ‖W + s·B·A‖ per row, so it computes as plain LoRA")
    void newAdapterStartsAsPlainLora() {
        LoraConfig.Builder config = Peft.lora()
                .r(4)
                .alpha(8)
                .targets("q_proj", "v_proj")
                .task(TaskType.CAUSAL_LM)
                .full()
                .initLoraWeights(false);
        Initialization.manualSeed(24);
        PeftModel dora = PeftModel.getPeftModel(base, config.useDora(true).build());
        NDArray doraLogits = run(base).logits().duplicate();
        LoraLinear q0 = (LoraLinear) ModuleTree.get(dora.getBaseModel(), "model.decoder.layers.0.self_attn.q_proj");
        NDArray w = ((Linear) q0.baseLayer()).weight().getArray();
        NDArray expectedNorm = w.add(q0.deltaWeight("default", step)).norm(new int[] {1});
        Golden.assertClose(expectedNorm, q0.magnitude("default").getArray(), 1e-6, "initial magnitude");
        assertEquals(
                "trainable params: 576 || all params: 7,136 || trainable%: 8.071748878923767",
                dora.getNbTrainableParameters().toString());
        dora.close();

        PreTrainedCausalLM other = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        Initialization.manualSeed(24);
        PeftModel.getPeftModel(other, config.useDora(false).build());
        Golden.assertClose(run(other).logits(), doraLogits, 1e-5, "DoRA at init equals LoRA");
        other.close();
    }

    @Test
    @DisplayName("one training step: loss, gradients (norm detached) and AdamW-updated weights match PEFT within 1e-5")
    void trainingStep() {
        JsonNode ref = Golden.read(adapterDir.resolve("train_step.json"));
        JsonNode in = ref.get("inputs");
        try (PeftModel peft = PeftModel.fromPretrained(base, adapterDir, true);
                NDManager root = NDManager.newBaseManager()) {
            Map<String, Parameter> params = peft.trainableParameters();
            List<String> refNames = new ArrayList<>();
            ref.get("trainable_param_names").forEach(n -> refNames.add(n.asText()));
            assertEquals(new TreeSet<>(refNames), new TreeSet<>(params.keySet()));
            try (NDManager s = root.newSubManager();
                    AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.0, params.keySet(), root)) {
                double loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    LmInputs inputs = LmInputs.of(
                            Golden.longs(s, in.get("input_ids")),
                            Golden.longs(s, in.get("attention_mask")),
                            Golden.longs(s, in.get("labels")));
                    NDArray l = base.forward(new ParameterStore(s, false), inputs, true)
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
            assertTrue(peft.getNbTrainableParameters().trainable() > 0);
        }
    }
}
