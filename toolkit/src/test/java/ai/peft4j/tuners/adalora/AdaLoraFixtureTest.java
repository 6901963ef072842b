package ai.peft4j.tuners.adalora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.TinyOptAdapterFixture;
import ai.peft4j.train.AdamW;
import ai.peft4j.train.LrSchedule;
import ai.peft4j.train.PeftTrainer;
import ai.peft4j.train.TextDataset;
import ai.peft4j.tuners.TunerLayer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

/**
 * An AdaLoRA adapter written by Python PEFT 0.10 on tiny_opt ({@code reference/tiny_opt_adalora}, made by {@code
 * scripts/adalora_reference.py}): init_r 6, target_r 2, lora_alpha 12, OPT's default targets, then PEFT's training
 * loop for six steps with the rank allocator (tinit 1, tfinal 1, deltaT 1, total_step 5), saved again in {@code
 * allocated/} with its rank pattern.
 */
@DisplayName("An AdaLoRA adapter written by Python PEFT (reference/tiny_opt_adalora)")
class AdaLoraFixtureTest extends TinyOptAdapterFixture {

    private static final List<String> MODULES =
            List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "fc1", "fc2");

    AdaLoraFixtureTest() {
        super(Golden.hfReference().getParent().resolve("reference").resolve("tiny_opt_adalora"));
    }

    private Path allocatedDir() {
        return adapterDir.resolve("allocated");
    }

    @Test
    @DisplayName("loads as an AdaLoRA adapter and reproduces PEFT's logits; disabled gives the base logits")
    void logits() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        assertTrue(peft.peftConfig().get("default") instanceof AdaLoraConfig);
        assertTrue(peft.baseModel() instanceof AdaLoraModel);
        Golden.assertClose(expected("peft_logits"), run(base).logits(), 1e-4, "peft_logits");
        try (var off = peft.disableAdapter()) {
            Golden.assertClose(expected("disable_adapter_logits"), run(base).logits(), 1e-4, "disabled");
        }
    }

    @Test
    @DisplayName("each layer-0 delta is B (A ⊙ E) · lora_alpha / (ranknum + 1e-5), as PEFT's get_delta_weight")
    void deltas() {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        JsonNode deltas = golden.get("delta_weights");
        List<String> modules = new ArrayList<>();
        deltas.fieldNames().forEachRemaining(modules::add);
        assertEquals(6, modules.size());
        for (String path : modules) {
            SVDLinear layer = (SVDLinear) ModuleTree.get(peft.getBaseModel(), path);
            assertEquals(12.0, layer.adapter("default").scaling());
            assertEquals(6f, layer.adapter("default").ranknum().getArray().getFloat());
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
        for (String m : MODULES) {
            Linear l = (Linear) ModuleTree.get(merged, "model.decoder.layers.0." + m);
            Golden.assertClose(
                    expected("merged_model.decoder.layers.0." + m + ".weight"),
                    l.weight().getArray(),
                    1e-5,
                    m);
        }
    }

    @Test
    @DisplayName("saves the same keys (no ranknum), tensors and adapter_config.json as PEFT; the folder reloads")
    void saveAgainAndReload(@TempDir Path dir) throws Exception {
        PeftModel peft = PeftModel.fromPretrained(base, adapterDir);
        peft.savePretrained(dir);
        assertSameFiles(adapterDir, golden.get("adapter_file_keys"), dir, 0);
        PreTrainedCausalLM fresh = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        try (PeftModel reloaded = PeftModel.fromPretrained(fresh, dir)) {
            Golden.assertClose(expected("reloaded_from_disk_logits"), run(fresh).logits(), 1e-4, "reloaded");
        }
    }

    /** Same keys, shapes and config as PEFT's folder; tensors equal, or within {@code tol} after training. */
    private void assertSameFiles(Path theirsDir, JsonNode keys, Path oursDir, double tol) throws Exception {
        try (SafetensorsFile ours = SafetensorsFile.open(oursDir.resolve("adapter_model.safetensors"));
                SafetensorsFile theirs = SafetensorsFile.open(theirsDir.resolve("adapter_model.safetensors"))) {
            Map<String, List<Long>> expectedKeys = new TreeMap<>();
            keys.fields().forEachRemaining(e -> {
                List<Long> shape = new ArrayList<>();
                e.getValue().forEach(n -> shape.add(n.asLong()));
                expectedKeys.put(e.getKey(), shape);
            });
            assertEquals(expectedKeys.keySet(), new TreeSet<>(ours.names()));
            if (tol == 0) {
                assertSameTensors(theirs, ours);
            }
            for (String name : theirs.names()) {
                List<Long> shape = new ArrayList<>();
                for (long d : ours.info(name).shape()) {
                    shape.add(d);
                }
                assertEquals(expectedKeys.get(name), shape, name);
                float[] a = theirs.floats(name);
                float[] b = ours.floats(name);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], tol, name + "[" + i + "]");
                }
            }
        }
        assertEquals(sortedTargets(theirsDir), sortedTargets(oursDir), "adapter_config.json");
    }

    /** An {@code adapter_config.json} with {@code target_modules} sorted (PEFT may write a set in any order). */
    private static JsonNode sortedTargets(Path dir) {
        ObjectNode config = (ObjectNode) Golden.read(dir.resolve("adapter_config.json"));
        List<String> names = new ArrayList<>();
        config.get("target_modules").forEach(n -> names.add(n.asText()));
        names.sort(null);
        ArrayNode sorted = config.putArray("target_modules");
        names.forEach(sorted::add);
        return config;
    }

    @Test
    @DisplayName("Peft.adalora() with the script's settings gives PEFT's config, printed line and trainable names")
    void printedLine() {
        PeftModel peft = Peft.adalora()
                .initR(6)
                .targetR(2)
                .alpha(12)
                .tinit(1)
                .tfinal(1)
                .deltaT(1)
                .totalStep(5)
                .task(TaskType.CAUSAL_LM)
                .apply(base);
        assertEquals(
                golden.get("print_trainable_parameters").asText(),
                peft.getNbTrainableParameters().toString());
        List<String> expected = new ArrayList<>();
        golden.get("trainable_parameters").forEach(e -> expected.add(e.get(0).asText()));
        assertEquals(
                new TreeSet<>(expected),
                new TreeSet<>(peft.trainableParameters().keySet()));
        AdaLoraConfig applied = (AdaLoraConfig) peft.peftConfig().get("default");
        assertEquals(
                AdaLoraConfig.SCHEMA.fromPretrained(adapterDir).toBuilder()
                        .inferenceMode(false)
                        .baseModelNameOrPath(null)
                        .build(),
                applied.toBuilder().baseModelNameOrPath(null).build(),
                "OPT's default targets filled in, as PEFT saves them");
        AdaLoraModel ada = (AdaLoraModel) peft.baseModel();
        assertEquals(12, ada.svdLayers().size());
        assertEquals(72, ada.rankAllocator().initBudget());
        assertEquals(24, ada.rankAllocator().targetBudget());
    }

    @Test
    @DisplayName("one AdamW step: the loss with PEFT's orthogonal regulariser, gradients and weights within 1e-5")
    void trainStep() {
        JsonNode ref = golden.get("train_step");
        JsonNode in = golden.get("inputs");
        try (PeftModel peft = PeftModel.fromPretrained(base, adapterDir, true);
                NDManager root = NDManager.newBaseManager()) {
            Map<String, Parameter> params = peft.trainableParameters();
            List<String> names = new ArrayList<>();
            ref.get("grads").fieldNames().forEachRemaining(names::add);
            assertEquals(new TreeSet<>(names), new TreeSet<>(params.keySet()), "A, B and E train; ranknum does not");
            try (NDManager s = root.newSubManager();
                    AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.0, params.keySet(), root)) {
                NDArray ids = Golden.longs(s, in.get("input_ids"));
                NDArray mask = Golden.longs(s, in.get("attention_mask"));
                NDArray labels = Golden.longs(s, in.get("labels"));
                double loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray l = peft.loss(new ParameterStore(s, false), ids, mask, labels, true);
                    gc.backward(l);
                    loss = l.getFloat();
                }
                assertEquals(ref.get("loss").asDouble(), loss, 1e-5, "loss with orth_reg_weight · regulariser");
                try (GradMode.Scope off = GradMode.off()) {
                    double plain = base.forward(new ParameterStore(s, false), LmInputs.of(ids, mask, labels), false)
                            .loss()
                            .getFloat();
                    assertEquals(ref.get("loss_without_reg").asDouble(), plain, 1e-5, "the model's own loss");
                    assertTrue(loss - plain > 1e-3, "the regulariser adds to the loss");
                }
                Map<String, NDArray> grads = new LinkedHashMap<>();
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    g.attach(s);
                    grads.put(e.getKey(), g);
                    Golden.assertClose(
                            Golden.floats(s, ref.get("grads").get(e.getKey())), g, 1e-5, "grad " + e.getKey());
                }
                adamw.step(params, grads, golden.get("lr").asDouble(), s);
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
    @DisplayName("PEFT's loop with update_and_allocate: budgets, rank patterns and masked lora_E at every step")
    void rankAllocationSchedule(@TempDir Path dir) throws Exception {
        JsonNode in = golden.get("inputs");
        try (PeftModel peft = PeftModel.fromPretrained(base, adapterDir, true);
                NDManager root = NDManager.newBaseManager()) {
            AdaLoraModel ada = (AdaLoraModel) peft.baseModel();
            Map<String, Parameter> params = peft.trainableParameters();
            try (AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.0, params.keySet(), root)) {
                for (JsonNode ref : golden.get("schedule")) {
                    int stepIndex = ref.get("step").asInt();
                    try (NDManager s = root.newSubManager()) {
                        double loss;
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray l = peft.loss(
                                    new ParameterStore(s, false),
                                    Golden.longs(s, in.get("input_ids")),
                                    Golden.longs(s, in.get("attention_mask")),
                                    Golden.longs(s, in.get("labels")),
                                    true);
                            gc.backward(l);
                            loss = l.getFloat();
                        }
                        assertEquals(ref.get("loss").asDouble(), loss, 1e-4, "loss at step " + stepIndex);
                        Map<String, NDArray> grads = new LinkedHashMap<>();
                        for (Map.Entry<String, Parameter> e : params.entrySet()) {
                            NDArray g = e.getValue().getArray().getGradient();
                            g.attach(s);
                            grads.put(e.getKey(), g);
                        }
                        adamw.step(params, grads, golden.get("lr").asDouble(), s);
                        assertEquals(
                                ref.get("budget").asInt(),
                                ada.rankAllocator().budgetSchedule(stepIndex).budget(),
                                "budget at step " + stepIndex);
                        ada.updateAndAllocate(stepIndex);
                        try (GradMode.Scope off = GradMode.off()) {
                            grads.values().forEach(g -> g.subi(g)); // zero_grad
                        }
                    }
                    assertSchedulePoint(peft, ref, stepIndex);
                }
            }
            assertTrained(peft, dir);
        }
    }

    @Test
    @DisplayName("PeftTrainer calls update_and_allocate after each step: the same patterns and weights as PEFT's loop")
    void trainerAllocates(@TempDir Path dir) throws Exception {
        JsonNode in = golden.get("inputs");
        List<int[]> rows = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            List<Integer> ids = new ArrayList<>();
            for (int t = 0; t < in.get("input_ids").get(r).size(); t++) {
                if (in.get("attention_mask").get(r).get(t).asInt() == 1) {
                    ids.add(in.get("input_ids").get(r).get(t).asInt());
                }
            }
            rows.add(ids.stream().mapToInt(Integer::intValue).toArray());
        }
        try (PeftModel peft = PeftModel.fromPretrained(base, adapterDir, true);
                PeftTrainer trainer = PeftTrainer.builder(peft)
                        .trainData(TextDataset.ofTokenIds(rows, 1))
                        .learningRate(golden.get("lr").asDouble())
                        .schedule(LrSchedule.Type.CONSTANT)
                        .maxGradNorm(0) // PEFT's loop does not clip
                        .batchSize(2)
                        .shuffle(false)
                        .maxSteps(golden.get("schedule").size())
                        .progressBar(false)
                        .build()) {
            trainer.train();
            JsonNode last = golden.get("schedule").get(golden.get("schedule").size() - 1);
            for (int i = 0; i < trainer.records().size(); i++) {
                assertEquals(
                        golden.get("schedule").get(i).get("loss").asDouble(),
                        trainer.records().get(i).loss(),
                        1e-4,
                        "loss at step " + i);
            }
            assertSchedulePoint(peft, last, last.get("step").asInt());
            assertTrained(peft, dir);
        }
    }

    /** The rank pattern in the config and every lora_E after schedule step {@code stepIndex}. */
    private void assertSchedulePoint(PeftModel peft, JsonNode ref, int stepIndex) {
        AdaLoraConfig config = (AdaLoraConfig) peft.peftConfig().get("default");
        if (ref.get("rank_pattern").isNull()) {
            assertNull(config.rankPattern(), "no pattern yet at step " + stepIndex);
        } else {
            Map<String, List<Boolean>> expected = new TreeMap<>();
            ref.get("rank_pattern").fields().forEachRemaining(e -> {
                List<Boolean> keep = new ArrayList<>();
                e.getValue().forEach(b -> keep.add(b.asBoolean()));
                expected.put(e.getKey().replace(".default", ""), keep); // PEFT's saved form of the keys
            });
            assertEquals(expected, new TreeMap<>(config.rankPattern()), "rank_pattern at step " + stepIndex);
        }
        Map<String, Parameter> all = ModuleTree.namedParameters(peft);
        ref.get("lora_E")
                .fields()
                .forEachRemaining(e -> Golden.assertClose(
                        Golden.floats(step, e.getValue()),
                        all.get(e.getKey()).getArray(),
                        1e-5,
                        e.getKey() + " at step " + stepIndex));
    }

    /** After the schedule: PEFT's logits; saved as PEFT's allocated/ folder (pruned tensors); reloads with ranks cut. */
    private void assertTrained(PeftModel peft, Path dir) throws Exception {
        base.eval();
        Golden.assertClose(expected("allocated_logits"), run(base).logits(), 1e-4, "logits after allocation");
        peft.savePretrained(dir);
        assertSameFiles(allocatedDir(), golden.get("allocated_file_keys"), dir, 1e-5);
        for (Path saved : List.of(dir, allocatedDir())) {
            PreTrainedCausalLM fresh = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
            try (PeftModel reloaded = PeftModel.fromPretrained(fresh, saved)) {
                Golden.assertClose(
                        expected("allocated_reloaded_logits"), run(fresh).logits(), 1e-4, "reloaded from " + saved);
                SVDLinear q1 = (SVDLinear) ModuleTree.get(fresh, "model.decoder.layers.1.self_attn.q_proj");
                assertEquals(0, q1.adapter("default").r(), "pruned to rank 0");
                assertEquals(6f, q1.adapter("default").ranknum().getArray().getFloat(), "ranknum stays init_r");
                assertFalse(q1.adapter("default").ranknum().requiresGradient());
            }
        }
    }

    @Test
    @DisplayName("reads as ADALORA through PeftConfig, with PEFT's defaults and the allocated rank pattern")
    void config() {
        PeftConfig c = PeftConfig.fromPretrained(adapterDir);
        assertTrue(c instanceof AdaLoraConfig);
        AdaLoraConfig a = (AdaLoraConfig) c;
        assertEquals(6, a.initR());
        assertEquals(5, a.totalStep());
        assertEquals(0.85, a.beta1());
        assertNull(a.rankPattern());
        AdaLoraConfig allocated = AdaLoraConfig.SCHEMA.fromPretrained(allocatedDir());
        assertEquals(12, allocated.rankPattern().size());
        assertEquals(
                List.of(false, false, false, false, false, false),
                allocated.rankPattern().get("model.decoder.layers.1.self_attn.q_proj.lora_E"));
    }
}
