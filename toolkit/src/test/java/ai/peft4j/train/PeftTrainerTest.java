package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.display.LossCurves;
import ai.peft4j.display.TrainingHistory;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.ModuleTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

@DisplayName("PeftTrainer on a tiny OPT with LoRA")
class PeftTrainerTest {

    static Map<String, float[]> frozen(PeftModel peft) {
        Map<String, float[]> out = new LinkedHashMap<>();
        ModuleTree.uniqueParameters(peft).forEach((k, p) -> {
            if (!p.requiresGradient()) {
                out.put(k, p.getArray().toFloatArray());
            }
        });
        return out;
    }

    static Map<String, float[]> trainable(PeftModel peft) {
        Map<String, float[]> out = new LinkedHashMap<>();
        peft.trainableParameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    static float[] logits(PeftModel peft) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[] {2, 3, 4, 5, 6, 7}, new Shape(1, 6));
            return ((PeftModelForCausalLM) peft)
                    .forward(ids, null, null)
                    .logits()
                    .toFloatArray();
        }
    }

    @Test
    @DisplayName("loss falls, the base stays frozen bit for bit, history and loss curves come out")
    void trains(@TempDir Path dir) throws Exception {
        try (PeftModel peft = Tiny.lora(0.0, "q_proj", "v_proj", "out_proj", "fc1", "fc2")) {
            Map<String, float[]> before = frozen(peft);
            List<StepRecord> seen = new java.util.ArrayList<>();
            PeftTrainer trainer = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(32, 1))
                    .evalData(Tiny.countingData(8, 2))
                    .evalSteps(20)
                    .learningRate(3e-2)
                    .batchSize(8)
                    .epochs(15)
                    .schedule(LrSchedule.Type.COSINE)
                    .warmupSteps(5)
                    .weightDecay(0.01)
                    .listener(new TrainingListener() {
                        @Override
                        public void onStep(StepRecord r) {
                            seen.add(r);
                        }
                    })
                    .build();
            assertEquals(60, trainer.totalSteps());
            double evalBefore = trainer.evaluate();
            TrainResult result = trainer.train();
            assertEquals(60, result.globalStep());
            assertFalse(result.interrupted());
            List<StepRecord> rs = trainer.records();
            assertEquals(seen, rs);
            double first = rs.subList(0, 5).stream()
                    .mapToDouble(StepRecord::loss)
                    .average()
                    .orElseThrow();
            double last = rs.subList(55, 60).stream()
                    .mapToDouble(StepRecord::loss)
                    .average()
                    .orElseThrow();
            assertTrue(last < first - 0.1, "loss fell from " + first + " to " + last + ": " + rs.subList(0, 6));
            double evalAfter = rs.get(59).evalLoss();
            assertTrue(evalAfter < evalBefore - 0.05, "eval loss " + evalBefore + " -> " + evalAfter);
            assertEquals(0.0, rs.get(0).lr(), 0, "warm-up starts at 0");
            Map<String, float[]> after = frozen(peft);
            assertEquals(before.keySet(), after.keySet());
            before.forEach((k, v) -> assertArrayEquals(v, after.get(k), 0f, k));

            Table h = TrainingHistory.of(trainer);
            assertEquals(
                    List.of("step", "loss", "lr", "eval_loss", "tokens_per_s", "epoch", "grad_norm"), h.columnNames());
            assertEquals(60, h.rowCount());
            assertEquals(3, h.rowCount() - h.doubleColumn("eval_loss").countMissing());
            assertTrue(h.doubleColumn("tokens_per_s").min() > 0);
            String svg = LossCurves.svg(trainer);
            assertTrue(svg.contains("<svg") && svg.contains("</svg>"), svg.substring(0, Math.min(200, svg.length())));
            byte[] png = LossCurves.png(trainer);
            assertEquals((byte) 0x89, png[0]);
            assertEquals('P', png[1]);
            assertTrue(Files.size(LossCurves.save(trainer, dir.resolve("loss.svg"))) > 1000);
            assertTrue(Files.size(LossCurves.save(trainer, dir.resolve("loss.png"))) > 1000);
            trainer.close();
        }
    }

    @Test
    @DisplayName("the settings are fixed at build(): changing the builder afterwards changes no trainer")
    void builderReuse(@TempDir Path dir) throws Exception {
        try (PeftModel peft = Tiny.lora(0.0)) {
            TrainerBuilder b = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(8, 1))
                    .batchSize(4)
                    .learningRate(1e-2)
                    .schedule(LrSchedule.Type.CONSTANT)
                    .maxSteps(4)
                    .progressBar(false);
            PeftTrainer t = b.build();
            TrainingArguments built = t.args();
            b.learningRate(5.0)
                    .maxSteps(100)
                    .batchSize(1)
                    .gradientAccumulationSteps(3)
                    .trainData(Tiny.countingData(2, 3))
                    .evalData(Tiny.countingData(4, 2))
                    .evalSteps(1)
                    .outputDir(dir)
                    .saveSteps(1);
            assertEquals(built, t.args());
            assertEquals(4, t.train().globalStep());
            for (StepRecord r : t.records()) {
                assertEquals(1e-2, r.lr(), 0.0, "learning rate");
                assertEquals(r.step() / 2.0, r.epoch(), 1e-12, "2 batches of 4 per epoch, no accumulation");
                assertTrue(Double.isNaN(r.evalLoss()), "no evaluation was asked for");
            }
            try (var files = Files.list(dir)) {
                assertEquals(0, files.count(), "no checkpoint was asked for");
            }
            t.close();
            try (PeftTrainer again = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(8, 1))
                    .args(built)
                    .build()) {
                assertEquals(built, again.args(), "arguments carry over to another trainer");
            }
        }
    }

    @Test
    @DisplayName("10 steps straight equal 5 steps, checkpoint, and 5 resumed steps on a fresh model")
    void resume(@TempDir Path dir) throws Exception {
        Map<String, float[]> straight;
        try (PeftModel peft = Tiny.lora(0.1)) {
            PeftTrainer t = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(12, 3))
                    .batchSize(4)
                    .gradientAccumulationSteps(2)
                    .learningRate(5e-3)
                    .maxSteps(10)
                    .weightDecay(0.01)
                    .saveSteps(5)
                    .outputDir(dir)
                    .progressBar(false)
                    .seed(11)
                    .build();
            t.train();
            straight = trainable(peft);
            t.close();
        }
        Path ckpt = dir.resolve("checkpoint-5");
        assertTrue(Files.exists(ckpt.resolve("adapter_model.safetensors")), "PEFT adapter");
        assertTrue(Files.exists(ckpt.resolve("adapter_config.json")));
        assertTrue(Files.exists(ckpt.resolve(TrainerCheckpoint.FILE)));
        assertTrue(Files.exists(dir.resolve("checkpoint-10")));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary directory left behind");
        }
        try (PeftModel peft = Tiny.lora(0.1)) {
            PeftTrainer t = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(12, 3))
                    .batchSize(4)
                    .gradientAccumulationSteps(2)
                    .learningRate(5e-3)
                    .maxSteps(10)
                    .weightDecay(0.01)
                    .progressBar(false)
                    .seed(11)
                    .build();
            t.resume(ckpt);
            assertEquals(5, t.globalStep());
            assertEquals(5, t.optimizer().stepCount());
            TrainResult r = t.train();
            assertEquals(10, r.globalStep());
            Map<String, float[]> resumed = trainable(peft);
            assertEquals(straight.keySet(), resumed.keySet());
            straight.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), 1e-6f, k));
            t.close();
        }
    }

    @Test
    @DisplayName("an interrupt stops after the current step and leaves a usable, savable adapter")
    void interrupt(@TempDir Path dir) {
        try (PeftModel peft = Tiny.lora(0.0)) {
            PeftTrainer t = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(16, 4))
                    .batchSize(4)
                    .learningRate(1e-2)
                    .maxSteps(50)
                    .progressBar(false)
                    .listener(new TrainingListener() {
                        @Override
                        public void onStep(StepRecord r) {
                            if (r.step() == 3) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    })
                    .build();
            TrainResult r = t.train();
            assertTrue(r.interrupted());
            assertEquals(3, r.globalStep());
            assertFalse(Thread.currentThread().isInterrupted(), "the interrupt was consumed");
            for (Parameter p : peft.trainableParameters().values()) {
                for (float g : p.getArray().getGradient().toFloatArray()) {
                    assertEquals(0f, g, "gradients were zeroed");
                }
            }
            float[] trained = logits(peft);
            peft.savePretrained(dir);
            OptForCausalLM fresh = OptForCausalLM.fromConfig(Tiny.config(0.0), 1);
            try (PeftModel reloaded = PeftModel.fromPretrained(fresh, dir)) {
                assertArrayEquals(trained, logits(reloaded), 1e-6f);
            }
            // train() can continue afterwards
            assertEquals(50, t.train().globalStep());
            t.close();
        }
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    @Test
    @DisplayName("soak: 300 steps leave the count of live NDArrays flat")
    void soak() throws Exception {
        try (PeftModel peft = Tiny.lora(0.1)) {
            NDManager modelManager = ((OptForCausalLM) peft.getBaseModel()).manager();
            PeftTrainer t = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(16, 5))
                    .batchSize(2)
                    .evalData(Tiny.countingData(4, 6))
                    .evalSteps(50)
                    .learningRate(1e-3)
                    .maxSteps(300)
                    .progressBar(false)
                    .build();
            t.addListener(new TrainingListener() {});
            long[] counts = new long[2];
            t.addListener(new TrainingListener() {
                @Override
                public void onStep(StepRecord r) {
                    if (r.step() == 20) {
                        counts[0] = modelManager.getManagedArrays().size();
                        counts[1] = t.manager().getManagedArrays().size();
                    }
                }
            });
            long rss0 = rssKb();
            t.train();
            long rss1 = rssKb();
            System.out.printf(
                    "soak: RSS %d MB -> %d MB over 300 steps; arrays on model manager %d, trainer %d%n",
                    rss0 / 1024,
                    rss1 / 1024,
                    modelManager.getManagedArrays().size(),
                    t.manager().getManagedArrays().size());
            assertEquals(counts[0], modelManager.getManagedArrays().size(), "model manager");
            assertEquals(counts[1], t.manager().getManagedArrays().size(), "trainer manager");
            assertEquals(
                    2L * peft.trainableParameters().size(),
                    t.manager().getManagedArrays().size(),
                    "only AdamW's two moments per trainable parameter live on the trainer");
            assertTrue(rss1 - rss0 < 512 * 1024, "RSS grew by " + (rss1 - rss0) / 1024 + " MB");
            t.close();
        }
    }
}
