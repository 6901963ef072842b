package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.tuners.Initialization;
import ai.peft4j.tuners.adalora.AdaLoraConfig;
import ai.peft4j.tuners.adalora.AdaLoraModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AdaLoRA under {@link PeftTrainer}: its rank allocation with fp16's skipped steps, its preconditions, resuming. */
@DisplayName("PeftTrainer with AdaLoRA")
class AdaLoraTrainingTest {

    /** A seeded tiny OPT with AdaLoRA (init_r 4, target_r 2) on q_proj and v_proj; total_step 8, final mask at 6. */
    static PeftModel adalora(int deltaT) {
        OptForCausalLM lm = OptForCausalLM.fromConfig(Tiny.config(0.0), 1);
        Initialization.manualSeed(7);
        return Peft.adalora()
                .initR(4)
                .targetR(2)
                .tinit(1)
                .tfinal(2)
                .deltaT(deltaT)
                .totalStep(8)
                .targets("q_proj", "v_proj")
                .task(TaskType.CAUSAL_LM)
                .apply(lm);
    }

    static AdaLoraConfig config(PeftModel peft) {
        return (AdaLoraConfig) peft.baseModel().configs().get("default");
    }

    static long kept(Map<String, List<Boolean>> pattern) {
        return pattern.values().stream().flatMap(List::stream).filter(b -> b).count();
    }

    @Test
    @DisplayName("fp16: a step skipped for overflow at total_step - tfinal still fixes the final rank pattern")
    void skippedFinalStep() {
        try (PeftModel peft = adalora(100)) { // deltaT 100: the only mask is the final one, at step 6
            PeftTrainer t = Fp16TrainingTest.fp16Builder(peft, 8, Fp16TrainingTest.poisoned(peft, Set.of(6), 0))
                    .build();
            t.train();
            assertEquals(1, t.skippedSteps());
            Map<String, List<Boolean>> pattern = config(peft).rankPattern();
            assertNotNull(pattern, "the final mask was not applied");
            assertEquals(2L * 4, kept(pattern), "target_r 2 on 4 layers");
            assertFalse(((AdaLoraModel) peft.baseModel()).rankAllocator().hasSensitivities(), "reset_ipt");
            t.close();
        }
    }

    @Test
    @DisplayName(
            "without total_step the trainer refuses to start, naming the way out, and the weights stay as they were")
    void needsTotalStep() {
        OptForCausalLM lm = OptForCausalLM.fromConfig(Tiny.config(0.0), 1);
        Initialization.manualSeed(7);
        AdaLoraConfig c = AdaLoraConfig.builder()
                .initR(4)
                .targetR(2)
                .taskType(TaskType.CAUSAL_LM)
                .build();
        try (PeftModel peft = PeftModel.getPeftModel(lm, c)) {
            Map<String, float[]> before = Fp16TrainingTest.trainable(peft);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(12, 3))
                    .batchSize(4)
                    .maxSteps(3)
                    .progressBar(false)
                    .build());
            assertTrue(e.getMessage().contains("totalStep(3)"), e.getMessage());
            Fp16TrainingTest.assertSame(before, Fp16TrainingTest.trainable(peft));
            ModuleTree.uniqueParameters(peft)
                    .values()
                    .forEach(p -> assertEquals(
                            ai.djl.ndarray.types.DataType.FLOAT32, p.getArray().getDataType()));
        }
    }

    static TrainerBuilder builder(PeftModel peft) {
        return PeftTrainer.builder(peft)
                .trainData(Tiny.countingData(12, 3))
                .batchSize(4)
                .learningRate(5e-3)
                .maxSteps(8)
                .progressBar(false)
                .seed(11);
    }

    @Test
    @DisplayName("resuming before and after the final mask continues as the uninterrupted run (EMAs, rank_pattern)")
    void resume(@TempDir Path dir) {
        Map<String, float[]> straight;
        Map<String, List<Boolean>> straightPattern;
        try (PeftModel peft = adalora(1)) {
            PeftTrainer t = builder(peft).saveSteps(1).outputDir(dir).build();
            t.train();
            straight = Fp16TrainingTest.trainable(peft);
            straightPattern = config(peft).rankPattern();
            t.close();
        }
        assertNotNull(straightPattern);
        for (int at : new int[] {3, 7}) { // the final mask is at step 6
            try (PeftModel peft = adalora(1)) {
                PeftTrainer t = builder(peft).build();
                t.resume(dir.resolve("checkpoint-" + at));
                assertEquals(
                        at < 6,
                        ((AdaLoraModel) peft.baseModel()).rankAllocator().hasSensitivities(),
                        "EMAs restored before the final mask, reset after it");
                t.train();
                Map<String, float[]> resumed = Fp16TrainingTest.trainable(peft);
                straight.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), 1e-6f, "from " + at + ": " + k));
                assertEquals(straightPattern, config(peft).rankPattern(), "from " + at);
                t.close();
            }
        }
    }
}
