package ai.peft4j.tuners.adalora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.PeftModelForSeq2SeqLM;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.models.auto.AutoModelForSeq2SeqLM;
import ai.peft4j.models.t5.T5ForConditionalGeneration;
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import ai.peft4j.tuners.TunerLayer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** AdaLoraModel on the tiny OPT: one trainable adapter, rank patterns, the schedule's preconditions, the loss. */
@DisplayName("AdaLoraModel")
class AdaLoraModelTest {

    private PreTrainedCausalLM base;
    private NDManager m;

    @BeforeEach
    void open() {
        base = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
        base.close();
    }

    private static AdaLoraConfig.Builder config() {
        return AdaLoraConfig.builder().initR(4).targetR(2).totalStep(10).taskType(TaskType.CAUSAL_LM);
    }

    @Test
    @DisplayName("only one adapter may train, with PEFT's message; an inference-mode one may be added")
    void oneTrainableAdapter() {
        PeftModel peft = PeftModel.getPeftModel(base, config().build());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> peft.addAdapter("second", config().build()));
        assertTrue(e.getMessage().startsWith("AdaLoraModel supports only 1 trainable adapter."), e.getMessage());
        peft.addAdapter("frozen", config().inferenceMode(true).build());
        AdaLoraModel ada = (AdaLoraModel) peft.baseModel();
        assertEquals("default", ada.trainableAdapter());
        assertEquals(List.of("default", "frozen"), List.copyOf(peft.peftConfig().keySet()));
    }

    @Test
    @DisplayName("a rank pattern sets each named layer's rank (ranknum stays init_r); a bad one leaves the model alone")
    void rankPattern() {
        String q0 = "model.decoder.layers.0.self_attn.q_proj";
        PeftModel peft = PeftModel.getPeftModel(
                base,
                config().targetModules("q_proj", "v_proj")
                        .rankPattern(Map.of(q0 + ".lora_E.default", List.of(true, false, true, false)))
                        .build());
        SVDLinear q = (SVDLinear) ModuleTree.get(base, q0);
        assertEquals(2, q.adapter("default").r());
        assertEquals(4f, q.adapter("default").ranknum().getArray().getFloat());
        assertEquals(
                Map.of(q0 + ".lora_E", List.of(true, false, true, false)),
                ((AdaLoraConfig) peft.peftConfig().get("default")).rankPattern(),
                "keys in PEFT's saved form");
        assertEquals(
                4,
                ((SVDLinear) ModuleTree.get(base, "model.decoder.layers.0.self_attn.v_proj"))
                        .adapter("default")
                        .r());

        PreTrainedCausalLM other = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> PeftModel.getPeftModel(
                        other,
                        config().targetModules("q_proj")
                                .rankPattern(Map.of("model.decoder.layers.0.fc1.lora_E", Collections.nCopies(4, true)))
                                .build()));
        assertTrue(e.getMessage().contains("not among the AdaLoRA targets"), e.getMessage());
        assertTrue(ModuleTree.namedModules(other).values().stream().noneMatch(b -> b instanceof TunerLayer));
        other.close();
    }

    @Test
    @DisplayName("saving a rank-patterned adapter again and again leaves no array behind on the weights' manager")
    void saveLeavesNothing(@org.junit.jupiter.api.io.TempDir Path dir) {
        String q0 = "model.decoder.layers.0.self_attn.q_proj";
        PeftModel peft = PeftModel.getPeftModel(
                base,
                config().targetModules("q_proj", "v_proj")
                        .rankPattern(Map.of(q0 + ".lora_E.default", List.of(true, false, true, false)))
                        .build());
        SVDLinear q = (SVDLinear) ModuleTree.get(base, q0);
        ai.djl.ndarray.BaseNDManager owner = (ai.djl.ndarray.BaseNDManager)
                q.adapter("default").loraA().getArray().getManager();
        peft.savePretrained(dir.resolve("0"));
        int before = owner.getManagedArrays().size();
        for (int i = 1; i <= 3; i++) {
            peft.savePretrained(dir.resolve(Integer.toString(i)));
        }
        assertEquals(before, owner.getManagedArrays().size());

        NDArray half = m.ones(new Shape(3, 2), DataType.FLOAT16);
        int onM = ((ai.djl.ndarray.BaseNDManager) m).getManagedArrays().size();
        assertEquals(6, ai.peft4j.nn.Weights.floats(half).length);
        assertEquals(onM, ((ai.djl.ndarray.BaseNDManager) m).getManagedArrays().size(), "Weights.floats of FP16");
    }

    @Test
    @DisplayName("rank allocation needs total_step, a trainable adapter and target_r <= init_r")
    void schedulePreconditions() {
        PeftModel noTotal =
                PeftModel.getPeftModel(base, config().totalStep(null).build());
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> ((AdaLoraModel) noTotal.baseModel()).updateAndAllocate(0));
        assertTrue(e.getMessage().contains("total_step"), e.getMessage());
        PreTrainedCausalLM other = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        PeftModel tooHigh = PeftModel.getPeftModel(other, config().targetR(5).build());
        assertThrows(IllegalArgumentException.class, () -> ((AdaLoraModel) tooHigh.baseModel()).rankAllocator());
        other.close();
    }

    @Test
    @DisplayName("the loss of forward with labels adds the orthogonal regulariser of the trainable adapter only")
    void regularizedLoss() {
        Path dir = AdaLoraConfigTest.referenceDir();
        JsonNode in = Golden.read(dir.resolve("golden.json")).get("inputs");
        NDArray ids = Golden.longs(m, in.get("input_ids"));
        NDArray mask = Golden.longs(m, in.get("attention_mask"));
        NDArray labels = Golden.longs(m, in.get("labels"));
        double expected = Golden.read(dir.resolve("golden.json"))
                .get("train_step")
                .get("loss")
                .asDouble();
        try (GradMode.Scope off = GradMode.off()) {
            PeftModelForCausalLM trainable = (PeftModelForCausalLM) PeftModel.fromPretrained(base, dir, true);
            assertEquals(expected, trainable.forward(ids, mask, labels).loss().getFloat(), 1e-5, "typed forward");
            assertEquals(
                    expected,
                    trainable
                            .loss(new ParameterStore(m, false), ids, mask, labels, false)
                            .getFloat(),
                    1e-5,
                    "PeftModel.loss, evaluation mode too (as PEFT)");
            double plain = base.forward(new ParameterStore(m, false), LmInputs.of(ids, mask, labels), false)
                    .loss()
                    .getFloat();
            trainable.unload();

            PreTrainedCausalLM other = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
            PeftModelForCausalLM frozen = (PeftModelForCausalLM) PeftModel.fromPretrained(other, dir);
            assertEquals(plain, frozen.forward(ids, mask, labels).loss().getFloat(), 1e-6, "no trainable adapter");
            other.close();
        }
    }

    @Test
    @DisplayName("on T5 (PEFT's default targets q, k, v, o, wi, wo) the seq2seq loss carries the regulariser too")
    void seq2seqLoss() {
        T5ForConditionalGeneration t5 = (T5ForConditionalGeneration)
                AutoModelForSeq2SeqLM.fromPretrained(Golden.hfReference().resolve("wave2/tiny_t5"));
        PeftModelForSeq2SeqLM peft = (PeftModelForSeq2SeqLM) PeftModel.getPeftModel(
                t5, config().taskType(TaskType.SEQ_2_SEQ_LM).build());
        assertEquals(
                Set.of("q", "k", "v", "o", "wi", "wo"),
                ((AdaLoraConfig) peft.peftConfig().get("default"))
                        .targetModules()
                        .names());
        NDArray ids = m.create(new long[][] {{5, 6, 7, 8, 1}});
        NDArray mask = m.ones(new Shape(1, 5), DataType.INT64);
        NDArray labels = m.create(new long[][] {{9, 10, 1}});
        try (GradMode.Scope off = GradMode.off()) {
            ParameterStore ps = new ParameterStore(m, false);
            double withReg = peft.forward(ids, mask, labels).loss().getFloat();
            double plain =
                    t5.forward(ps, ids, null, mask, null, labels, false).loss().getFloat();
            assertTrue(withReg - plain > 1e-3, withReg + " vs " + plain);
            assertEquals(withReg, peft.loss(ps, ids, mask, labels, false).getFloat(), 1e-6);
        } finally {
            t5.close();
        }
    }
}
