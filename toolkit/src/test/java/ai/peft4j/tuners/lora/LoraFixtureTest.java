package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Block;
import ai.peft4j.AutoPeftModelForCausalLM;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.TinyOptAdapterFixture;
import ai.peft4j.tuners.TunerLayer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A LoRA adapter written by Python PEFT (tiny_opt/lora)")
class LoraFixtureTest extends TinyOptAdapterFixture {

    LoraFixtureTest() {
        super(Golden.tinyOpt().resolve("lora"));
    }

    @Test
    @DisplayName("loads with PeftModel.fromPretrained and reproduces PEFT's logits")
    void peftLogits() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        assertTrue(peft instanceof PeftModelForCausalLM);
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "peft_logits");
        assertEquals(0, peft.getNbTrainableParameters().trainable(), "inference mode freezes all");
        assertEquals(7072, peft.getNbTrainableParameters().all());
    }

    @Test
    @DisplayName("gives the base model's logits inside disableAdapter, and the adapter's after")
    void disableAdapter() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        try (var off = peft.disableAdapter()) {
            Golden.assertClose(expected("base_logits"), run(base).logits(), 1e-4, "base_logits");
        }
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "peft_logits again");
    }

    @Test
    @DisplayName("computes the layer-0 q_proj delta as B@A·scaling")
    void delta() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        LoraLinear q = (LoraLinear) ModuleTree.get(peft.getBaseModel(), "model.decoder.layers.0.self_attn.q_proj");
        assertEquals(2.0, q.scaling("default"));
        Golden.assertClose(
                expected("lora_delta_layer0_q_proj (B@A*scaling)"), q.deltaWeight("default", step), 1e-5, "delta");
    }

    @Test
    @DisplayName("mergeAndUnload gives PEFT's merged logits and weights, and no LoRA layer remains")
    void mergeAndUnload() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        Block merged = peft.mergeAndUnload();
        assertTrue(ModuleTree.namedModules(merged).values().stream().noneMatch(b -> b instanceof TunerLayer));
        Golden.assertClose(expected("merge_and_unload_logits"), run(base).logits(), 1e-4, "merged logits");
        Linear q = (Linear) ModuleTree.get(merged, "model.decoder.layers.0.self_attn.q_proj");
        Linear v = (Linear) ModuleTree.get(merged, "model.decoder.layers.0.self_attn.v_proj");
        Golden.assertClose(expected("merged_layer0_q_proj_weight"), q.weight().getArray(), 1e-5, "q");
        Golden.assertClose(expected("merged_layer0_v_proj_weight"), v.weight().getArray(), 1e-5, "v");
        assertEquals(
                List.copyOf(ModuleTree.namedParameters(AutoModelForCausalLM.fromConfig(
                                (ObjectNode) Golden.read(Golden.tinyOpt().resolve("config.json"))))
                        .keySet()),
                List.copyOf(ModuleTree.namedParameters(merged).keySet()),
                "plain OPT keys again");
    }

    @Test
    @DisplayName("merge then unmerge restores the base weights; merged forward equals unmerged")
    void mergeUnmerge() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        Linear q =
                (Linear) ((LoraLinear) ModuleTree.get(peft.getBaseModel(), "model.decoder.layers.0.self_attn.q_proj"))
                        .baseLayer();
        float[] before = q.weight().getArray().toFloatArray();
        peft.mergeAdapter();
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "merged forward");
        peft.unmergeAdapter();
        Golden.assertClose(
                step.create(before, q.weight().getShape()), q.weight().getArray(), 1e-6, "restored");
    }

    @Test
    @DisplayName("names parameters as PEFT does in memory")
    void inMemoryKeys() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        List<String> expected = new ArrayList<>();
        golden.get("peft_named_parameters_lora (in-memory names, adapter 'default')")
                .fieldNames()
                .forEachRemaining(expected::add);
        List<String> ours = new ArrayList<>();
        ModuleTree.namedParameters(peft).keySet().forEach(k -> {
            if (k.contains("lora_")) {
                ours.add(k);
            }
        });
        assertEquals(new TreeSet<>(expected), new TreeSet<>(ours));
        assertTrue(ModuleTree.namedParameters(peft)
                .containsKey("base_model.model.model.decoder.layers.0.self_attn.q_proj.base_layer.weight"));
    }

    @Test
    @DisplayName("saves again the same tensors under the same keys, and the same adapter_config.json")
    void saveAgain(@TempDir Path dir) throws Exception {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        peft.savePretrained(dir);
        try (SafetensorsFile ours = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
                SafetensorsFile theirs = SafetensorsFile.open(adapterDir.resolve("adapter_model.safetensors"))) {
            assertEquals(new TreeSet<>(theirs.names()), new TreeSet<>(ours.names()));
            assertSameTensors(theirs, ours);
            assertEquals(theirs.rawHeader(), ours.rawHeader(), "same header bytes");
        }
        assertSameAdapterConfig(dir);
    }

    @Test
    @DisplayName("AutoPeftModelForCausalLM finds the base named in adapter_config.json")
    void autoPeft() {
        try (PeftModelForCausalLM peft = AutoPeftModelForCausalLM.fromPretrained(adapterDir)) {
            JsonNode in = golden.get("inputs");
            CausalLMOutput out = peft.forward(
                    Golden.longs(step, in.get("input_ids")), Golden.longs(step, in.get("attention_mask")), null);
            Golden.assertClose(expected("reloaded_from_disk_logits"), out.logits(), 1e-4, "auto");
        }
    }

    @Test
    @DisplayName("AutoPeftModelForCausalLM loads frozen for inference, or trainable when asked (is_trainable)")
    void autoPeftTrainable() {
        try (PeftModelForCausalLM frozen = AutoPeftModelForCausalLM.fromPretrained(adapterDir, false);
                PeftModelForCausalLM trainable = AutoPeftModelForCausalLM.fromPretrained(adapterDir, true)) {
            assertEquals(0, frozen.getNbTrainableParameters().trainable());
            assertEquals(512, trainable.getNbTrainableParameters().trainable());
        }
    }

    @Test
    @DisplayName("loads trainable when asked: only the LoRA weights train")
    void trainable() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir, true);
        assertEquals(512, peft.getNbTrainableParameters().trainable());
        assertTrue(peft.trainableParameters().keySet().stream().allMatch(k -> k.contains(".lora_")));
        assertEquals(
                "trainable params: 512 || all params: 7,072 || trainable%: 7.239819004524887",
                peft.getNbTrainableParameters().toString());
        assertEquals(
                golden.get("print_trainable_parameters").asText(),
                peft.getNbTrainableParameters().toString());
    }

    @Test
    @DisplayName("a config that does not match the weights fails and leaves the model as it was")
    void mismatchLeavesModelUnchanged(@TempDir Path dir) throws Exception {
        Files.copy(adapterDir.resolve("adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
        LoraConfig wrong =
                LoraConfig.SCHEMA.fromPretrained(adapterDir).toBuilder().r(8).build();
        wrong.savePretrained(dir);
        List<String> keysBefore = List.copyOf(ModuleTree.namedParameters(base).keySet());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PeftModel.fromPretrained(base, dir));
        assertTrue(e.getMessage().contains("shape mismatches"), e.getMessage());
        assertTrue(e.getMessage().contains("lora_A.weight: model (8, 16) vs file (4, 16)"), e.getMessage());
        assertEquals(keysBefore, List.copyOf(ModuleTree.namedParameters(base).keySet()));
        assertTrue(
                ModuleTree.uniqueParameters(base).values().stream().allMatch(p -> p.requiresGradient()),
                "trainable flags as they were");
        Golden.assertClose(expected("base_logits"), run(base).logits(), 1e-4, "base untouched");
    }

    @Test
    @DisplayName("a missing adapter file is explained")
    void missingWeights(@TempDir Path dir) throws Exception {
        PeftConfig.fromPretrained(adapterDir).savePretrained(dir);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PeftModel.fromPretrained(base, dir));
        assertTrue(e.getMessage().contains("no adapter_model.safetensors"), e.getMessage());
        assertFalse(ModuleTree.namedModules(base).values().stream().anyMatch(b -> b instanceof TunerLayer));
    }

    @Test
    @DisplayName("keeps a second adapter in a subfolder and switches between them")
    void twoAdapters(@TempDir Path dir) {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        peft.loadAdapter(adapterDir, "other");
        assertEquals("default", peft.activeAdapter());
        peft.setAdapter("other");
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "same weights, other name");
        peft.savePretrained(dir);
        assertTrue(Files.exists(dir.resolve("adapter_model.safetensors")));
        assertTrue(Files.exists(dir.resolve("other/adapter_model.safetensors")));
        peft.deleteAdapter("other");
        assertEquals(Map.of("default", peft.peftConfig().get("default")), peft.peftConfig());
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "default still there");
    }
}
