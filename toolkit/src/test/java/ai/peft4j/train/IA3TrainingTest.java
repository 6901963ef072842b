package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.tuners.ia3.IA3Config;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("PeftTrainer on a tiny OPT with IA3")
class IA3TrainingTest {

    @Test
    @DisplayName("loss falls, only the IA3 vectors change, and the trained adapter reloads with the same outputs")
    void trains(@TempDir Path dir) {
        OptForCausalLM lm = OptForCausalLM.fromConfig(Tiny.config(0.0), 1);
        try (PeftModel peft = Peft.ia3().task(TaskType.CAUSAL_LM).apply(lm)) {
            assertTrue(
                    peft.trainableParameters().keySet().stream().allMatch(k -> k.contains(".ia3_l.default")),
                    peft.trainableParameters().keySet().toString());
            Map<String, float[]> frozenBefore = PeftTrainerTest.frozen(peft);
            PeftTrainer trainer = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(32, 1))
                    .evalData(Tiny.countingData(32, 1))
                    .learningRate(1e-1)
                    .batchSize(8)
                    .epochs(10)
                    .build();
            double before = trainer.evaluate();
            trainer.train();
            double after = trainer.evaluate();
            // 128 vector entries on a random tiny model: a small but certain drop (untrained, the two are equal).
            assertTrue(after < before - 0.02, "loss on the training data fell from " + before + " to " + after);
            Map<String, float[]> frozenAfter = PeftTrainerTest.frozen(peft);
            assertEquals(frozenBefore.keySet(), frozenAfter.keySet());
            frozenBefore.forEach((k, v) -> assertArrayEquals(v, frozenAfter.get(k), k));
            assertTrue(
                    PeftTrainerTest.trainable(peft).values().stream().anyMatch(v -> v[0] != 1f),
                    "vectors moved from 1");

            float[] trained = PeftTrainerTest.logits(peft);
            peft.savePretrained(dir);
            OptForCausalLM fresh = OptForCausalLM.fromConfig(Tiny.config(0.0), 1);
            try (PeftModel again = PeftModel.fromPretrained(fresh, dir)) {
                assertTrue(again.activePeftConfig() instanceof IA3Config);
                assertArrayEquals(trained, PeftTrainerTest.logits(again), 1e-5f);
            }
        }
    }
}
