package ai.peft4j.tuners.ia3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Block;
import ai.peft4j.AutoPeftModelForCausalLM;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.TinyOptAdapterFixture;
import ai.peft4j.tuners.Initialization;
import ai.peft4j.tuners.TunerLayer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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

/** The IA3 adapter PEFT 0.10 wrote on tiny_opt (hf-reference/wave2/tiny_opt_ia3), against PEFT's own outputs. */
@DisplayName("An IA3 adapter written by Python PEFT (wave2/tiny_opt_ia3)")
class IA3FixtureTest extends TinyOptAdapterFixture {

    IA3FixtureTest() {
        super(Golden.fixture("wave2/tiny_opt_ia3"));
    }

    @Test
    @DisplayName("loads with PeftModel.fromPretrained and reproduces PEFT's logits and loss")
    void peftLogits() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        assertTrue(peft instanceof PeftModelForCausalLM);
        assertTrue(peft.baseModel() instanceof IA3Model);
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "peft_logits");
        JsonNode in = golden.get("inputs");
        CausalLMOutput withLabels = base.forward(
                Golden.longs(step, in.get("input_ids")),
                Golden.longs(step, in.get("attention_mask")),
                Golden.longs(step, in.get("labels")));
        assertEquals(golden.get("peft_loss").asDouble(), withLabels.loss().getFloat(), 1e-4);
        assertEquals(0, peft.getNbTrainableParameters().trainable(), "inference mode freezes all");
        assertEquals(6688, peft.getNbTrainableParameters().all());
    }

    @Test
    @DisplayName("q_proj and k_proj scale their output, fc2 its input, as PEFT decided per module")
    void layerKinds() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        Map<String, IA3Linear> layers = ((IA3Model) peft.baseModel()).ia3Layers();
        Map<String, Boolean> ours = new TreeMap<>();
        layers.forEach((path, layer) -> ours.put(path, layer.isFeedforward()));
        Map<String, Boolean> theirs = new TreeMap<>();
        golden.get("is_feedforward_per_module")
                .fields()
                .forEachRemaining(e -> theirs.put(e.getKey(), e.getValue().asBoolean()));
        assertEquals(theirs, ours);
    }

    @Test
    @DisplayName("gives the base model's logits inside disableAdapter, and the adapter's after")
    void disableAdapter() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        try (var off = peft.disableAdapter()) {
            Golden.assertClose(expected("disable_adapter_logits"), run(base).logits(), 1e-4, "disable_adapter_logits");
        }
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "peft_logits again");
    }

    @Test
    @DisplayName("mergeAndUnload gives PEFT's merged logits and layer-0 weights and biases, and no IA3 layer remains")
    void mergeAndUnload() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        Block merged = peft.mergeAndUnload();
        assertTrue(ModuleTree.namedModules(merged).values().stream().noneMatch(b -> b instanceof TunerLayer));
        Golden.assertClose(expected("merge_and_unload_logits"), run(base).logits(), 1e-4, "merged logits");
        for (String module : List.of("self_attn.q_proj", "self_attn.k_proj", "fc2")) {
            Linear l = (Linear) ModuleTree.get(merged, "model.decoder.layers.0." + module);
            String key = "merged_model.decoder.layers.0." + module;
            Golden.assertClose(expected(key + ".weight"), l.weight().getArray(), 1e-5, key + ".weight");
            Golden.assertClose(expected(key + ".bias"), l.bias().getArray(), 1e-5, key + ".bias");
        }
        List<String> keys = new ArrayList<>();
        golden.get("merged_model_state_dict_keys").forEach(k -> keys.add(k.asText()));
        assertEquals(
                new TreeSet<>(keys),
                new TreeSet<>(ModuleTree.namedParameters(merged).keySet()),
                "plain OPT keys again");
    }

    @Test
    @DisplayName("merge then unmerge restores the base weights; merged forward equals unmerged")
    void mergeUnmerge() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        Map<String, float[]> before = baseValues(peft);
        peft.mergeAdapter();
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "merged forward");
        peft.unmergeAdapter();
        Map<String, float[]> after = baseValues(peft);
        assertEquals(before.keySet(), after.keySet());
        // Unmerging divides by the vector (plus 1e-8), as PEFT does: exact up to float rounding.
        before.forEach((k, v) -> Golden.assertClose(step.create(v), step.create(after.get(k)), 1e-5, k));
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "unmerged forward");
    }

    private static Map<String, float[]> baseValues(PeftModel peft) {
        Map<String, float[]> out = new LinkedHashMap<>();
        ((IA3Model) peft.baseModel()).ia3Layers().forEach((path, layer) -> ModuleTree.namedParameters(layer.baseLayer())
                .forEach((k, p) -> out.put(path + "." + k, p.getArray().toFloatArray())));
        return out;
    }

    @Test
    @DisplayName("names and shapes its trainable vectors as PEFT does in memory, and trains only them")
    void inMemoryKeys() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir, true);
        Map<String, List<Long>> theirs = new TreeMap<>();
        golden.get("trainable_parameters").forEach(e -> {
            List<Long> shape = new ArrayList<>();
            e.get(1).forEach(d -> shape.add(d.asLong()));
            theirs.put(e.get(0).asText(), shape);
        });
        Map<String, List<Long>> ours = new TreeMap<>();
        peft.trainableParameters().forEach((k, p) -> {
            List<Long> shape = new ArrayList<>();
            for (long d : p.getArray().getShape().getShape()) {
                shape.add(d);
            }
            ours.put(k, shape);
        });
        assertEquals(theirs, ours);
        assertEquals(
                golden.get("print_trainable_parameters").asText(),
                peft.getNbTrainableParameters().toString());
        assertEquals(
                "trainable params: 128 || all params: 6,688 || trainable%: 1.9138755980861244",
                peft.getNbTrainableParameters().toString());
    }

    @Test
    @DisplayName("saves again the same tensors under PEFT's keys, and the same adapter_config.json")
    void saveAgain(@TempDir Path dir) throws Exception {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        peft.savePretrained(dir);
        try (SafetensorsFile ours = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
                SafetensorsFile theirs = SafetensorsFile.open(adapterDir.resolve("adapter_model.safetensors"))) {
            assertEquals(new TreeSet<>(theirs.names()), new TreeSet<>(ours.names()));
            assertSameTensors(theirs, ours);
            assertEquals(theirs.rawHeader(), ours.rawHeader(), "same header bytes");
        }
        assertEquals(
                sortedModuleLists(Golden.read(adapterDir.resolve("adapter_config.json"))),
                sortedModuleLists(Golden.read(dir.resolve("adapter_config.json"))));
    }

    @Test
    @DisplayName("an adapter saved by peft4j loads into a fresh base and gives PEFT's reloaded logits")
    void reloaded(@TempDir Path dir) {
        PeftModel.fromPretrained(base, adapterDir).savePretrained(dir);
        try (PreTrainedCausalLM fresh = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt())) {
            PeftModel again = PeftModel.fromPretrained(fresh, dir);
            assertTrue(again.baseModel() instanceof IA3Model);
            Golden.assertClose(expected("reloaded_from_disk_logits"), run(fresh).logits(), 1e-4, "reloaded");
        }
    }

    @Test
    @DisplayName("AutoPeftModelForCausalLM finds the base named in adapter_config.json")
    void autoPeft() {
        // PEFT's run named the base "tiny_opt" (a folder beside its script): a copy names the fixture's base instead.
        try (PeftModelForCausalLM peft = AutoPeftModelForCausalLM.fromPretrained(copyWithBase())) {
            JsonNode in = golden.get("inputs");
            CausalLMOutput out = peft.forward(
                    Golden.longs(step, in.get("input_ids")), Golden.longs(step, in.get("attention_mask")), null);
            Golden.assertClose(expected("reloaded_from_disk_logits"), out.logits(), 1e-4, "auto");
        }
    }

    @TempDir
    Path copy;

    private Path copyWithBase() {
        try {
            Files.copy(adapterDir.resolve("adapter_model.safetensors"), copy.resolve("adapter_model.safetensors"));
            IA3Config.SCHEMA
                    .fromPretrained(adapterDir)
                    .withBaseModelNameOrPath(Golden.tinyOpt().toString())
                    .savePretrained(copy);
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @DisplayName(
            "a new IA3 adapter with PEFT's defaults: OPT's targets, feed-forward fc2, the same keys, config and line")
    void newAdapterLikePeft(@TempDir Path dir) throws Exception {
        Initialization.manualSeed(21);
        PeftModel peft =
                Peft.ia3().task(TaskType.CAUSAL_LM).initIa3Weights(false).apply(base);
        assertEquals(
                golden.get("print_trainable_parameters").asText(),
                peft.getNbTrainableParameters().toString());
        IA3Config applied = (IA3Config) peft.activePeftConfig();
        assertEquals(
                List.of("q_proj", "k_proj", "fc2"),
                List.copyOf(applied.targetModules().names()));
        assertEquals(List.of("fc2"), List.copyOf(applied.feedforwardModules().names()));
        peft.savePretrained(dir);
        ObjectNode theirs = sortedModuleLists(Golden.read(adapterDir.resolve("adapter_config.json")));
        ObjectNode ours = sortedModuleLists(Golden.read(dir.resolve("adapter_config.json")));
        theirs.remove("base_model_name_or_path"); // PEFT's run named the folder "tiny_opt", ours is a full path
        ours.remove("base_model_name_or_path");
        assertEquals(theirs, ours);
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
            Map<String, List<Long>> keys = new TreeMap<>();
            for (String name : file.names()) {
                List<Long> shape = new ArrayList<>();
                for (long d : file.info(name).shape()) {
                    shape.add(d);
                }
                keys.put(name, shape);
            }
            Map<String, List<Long>> expected = new TreeMap<>();
            golden.get("adapter_file_keys").fields().forEachRemaining(e -> {
                List<Long> shape = new ArrayList<>();
                e.getValue().forEach(d -> shape.add(d.asLong()));
                expected.put(e.getKey(), shape);
            });
            assertEquals(expected, keys);
        }
    }

    @Test
    @DisplayName("a new adapter with init_ia3_weights=true (vectors of ones) computes as the base model")
    void identityStart() {
        Peft.ia3().task(TaskType.CAUSAL_LM).apply(base);
        Golden.assertClose(expected("base_logits"), run(base).logits(), 1e-5, "ones");
    }

    @Test
    @DisplayName("a second adapter is added, switched to and deleted; unload gives the plain model back")
    void twoAdapters() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        peft.addAdapter("ones", Peft.ia3().task(TaskType.CAUSAL_LM).build());
        IA3Linear q = ((IA3Model) peft.baseModel()).ia3Layers().get("model.decoder.layers.0.self_attn.q_proj");
        assertEquals(List.of("default", "ones"), List.copyOf(q.adapterNames()));
        peft.setAdapter("ones");
        Golden.assertClose(expected("base_logits"), run(base).logits(), 1e-5, "the ones adapter");
        peft.setAdapter("default");
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "default again");
        peft.deleteAdapter("ones");
        assertEquals(List.of("default"), List.copyOf(q.adapterNames()));
        Block plain = peft.unload();
        assertFalse(ModuleTree.namedModules(plain).values().stream().anyMatch(b -> b instanceof TunerLayer));
        Golden.assertClose(expected("base_logits"), run(base).logits(), 1e-5, "unloaded");
    }

    /** PEFT keeps target_modules and feedforward_modules in sets, so their order in a file is arbitrary. */
    private static ObjectNode sortedModuleLists(JsonNode config) {
        ObjectNode c = ((ObjectNode) config).deepCopy();
        for (String key : List.of("target_modules", "feedforward_modules")) {
            if (c.get(key).isArray()) {
                List<String> names = new ArrayList<>();
                c.get(key).forEach(n -> names.add(n.asText()));
                names.sort(null);
                ArrayNode sorted = c.putArray(key);
                names.forEach(sorted::add);
            }
        }
        return c;
    }
}
