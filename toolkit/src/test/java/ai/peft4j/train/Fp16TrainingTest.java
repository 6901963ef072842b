package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.peft4j.PeftModel;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.Scalars;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * transformers' {@code fp16=True} in {@link PeftTrainer}: FP16 frozen base, FP32 adapter, loss
 * scaling with skipped steps, and the scaler in checkpoints. The logic runs here on the CPU with a
 * tiny model ({@link TrainerBuilder#fp16OnCpu}); {@link #onTheGpu} runs it for real where DJL sees a
 * GPU (build with -Dcuda).
 */
@DisplayName("PeftTrainer with fp16: FP16 base, FP32 adapter, dynamic loss scaling")
class Fp16TrainingTest {

    /** The model's loss, plus an infinite term on the given (0-based) optimizer steps. */
    static LossFunction poisoned(PeftModel peft, Set<Integer> steps, int firstStep) {
        Parameter loraA = peft.trainableParameters().entrySet().stream()
                .filter(e -> e.getKey().contains("lora_A"))
                .findFirst()
                .orElseThrow()
                .getValue();
        int[] call = {firstStep};
        return (ps, batch, training) -> {
            NDArray loss = peft.loss(ps, batch.inputIds(), batch.attentionMask(), batch.labels(), training);
            if (training && steps.contains(call[0]++)) {
                NDArray a = ps.getValue(loraA, loss.getDevice(), training);
                loss = loss.add(Scalars.mul(a.sum(), Double.POSITIVE_INFINITY)); // every gradient of A is inf
            }
            return loss;
        };
    }

    static TrainerBuilder fp16Builder(PeftModel peft, long maxSteps, LossFunction loss) {
        TrainerBuilder b = PeftTrainer.builder(peft)
                .trainData(Tiny.countingData(12, 3))
                .batchSize(4)
                .learningRate(5e-3)
                .maxSteps(maxSteps)
                .schedule(LrSchedule.Type.LINEAR)
                .fp16(true)
                .progressBar(false)
                .seed(11)
                .lossFunction(loss);
        b.fp16OnCpu = true;
        return b;
    }

    static Map<String, float[]> trainable(PeftModel peft) {
        Map<String, float[]> out = new LinkedHashMap<>();
        peft.trainableParameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    static void assertSame(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v, b.get(k), 0f, k));
    }

    static boolean differs(Map<String, float[]> a, Map<String, float[]> b) {
        return a.entrySet().stream().anyMatch(e -> !java.util.Arrays.equals(e.getValue(), b.get(e.getKey())));
    }

    @Test
    @DisplayName("the frozen base is FP16 in the parameter store, the adapter and AdamW's state FP32")
    void dtypes() {
        try (PeftModel peft = Tiny.lora(0.0)) {
            PeftTrainer t = fp16Builder(peft, 2, poisoned(peft, Set.of(), 0)).build();
            int half = 0;
            int full = 0;
            for (Map.Entry<String, Parameter> e :
                    ModuleTree.uniqueParameters(peft).entrySet()) {
                DataType dt = e.getValue().getArray().getDataType();
                if (e.getValue().requiresGradient()) {
                    assertEquals(DataType.FLOAT32, dt, e.getKey());
                    full++;
                } else {
                    assertEquals(DataType.FLOAT16, dt, e.getKey());
                    half++;
                }
            }
            assertTrue(half > 0 && full == 8, half + " FP16, " + full + " FP32");
            Map<String, Float> frozenSums = new LinkedHashMap<>();
            ModuleTree.uniqueParameters(peft).forEach((k, p) -> {
                if (!p.requiresGradient()) {
                    frozenSums.put(
                            k,
                            p.getArray().toType(DataType.FLOAT32, false).sum().getFloat());
                }
            });
            try (NDManager m = NDManager.newBaseManager()) {
                Parameter base = ModuleTree.uniqueParameters(peft)
                        .get("base_model.model.model.decoder.layers.0.self_attn.q_proj.base_layer.weight");
                assertEquals(DataType.FLOAT16, base.getArray().getDataType());
                NDArray handed = DevicePlacement.parameterStore(m).getValue(base, Device.cpu(), true);
                assertEquals(DataType.FLOAT32, handed.getDataType(), "the forward computes in FP32");
            }
            t.train();
            assertEquals(2, t.optimizer().stepCount());
            t.optimizer().expAvg().values().forEach(a -> assertEquals(DataType.FLOAT32, a.getDataType()));
            t.optimizer().expAvgSq().values().forEach(a -> assertEquals(DataType.FLOAT32, a.getDataType()));
            peft.trainableParameters()
                    .values()
                    .forEach(p -> assertEquals(DataType.FLOAT32, p.getArray().getDataType()));
            ModuleTree.uniqueParameters(peft).forEach((k, p) -> {
                if (!p.requiresGradient()) {
                    assertEquals(DataType.FLOAT16, p.getArray().getDataType(), k);
                    assertEquals(
                            frozenSums.get(k),
                            p.getArray().toType(DataType.FLOAT32, false).sum().getFloat(),
                            k + " is frozen");
                }
            });
            assertEquals(65536f, t.gradScaler().getScale());
            assertEquals(2, t.gradScaler().growthTracker());
            t.close();
        }
    }

    @Test
    @DisplayName("without fp16 there is no scaler and the base stays FP32")
    void off() {
        try (PeftModel peft = Tiny.lora(0.0)) {
            PeftTrainer t = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(12, 3))
                    .maxSteps(1)
                    .progressBar(false)
                    .build();
            assertNull(t.gradScaler());
            ModuleTree.uniqueParameters(peft)
                    .values()
                    .forEach(p -> assertEquals(DataType.FLOAT32, p.getArray().getDataType()));
            t.close();
        }
    }

    @Test
    @DisplayName("an inf gradient skips the update and backs off; the schedule waits, the step count goes on")
    void skipsOverflowingSteps() {
        try (PeftModel peft = Tiny.lora(0.0)) {
            PeftTrainer t =
                    fp16Builder(peft, 5, poisoned(peft, Set.of(1, 2), 0)).build();
            List<Map<String, float[]>> after = new ArrayList<>();
            t.addListener(new TrainingListener() {
                @Override
                public void onStep(StepRecord r) {
                    after.add(trainable(peft));
                }
            });
            Map<String, float[]> before = trainable(peft);
            TrainResult result = t.train();
            assertEquals(5, result.globalStep());
            List<StepRecord> r = t.records();
            boolean[] skipped = new boolean[5];
            for (int i = 0; i < 5; i++) {
                skipped[i] = r.get(i).skipped();
                assertEquals(i + 1, r.get(i).step(), "the step count advances on skipped steps too");
            }
            assertArrayEquals(new boolean[] {false, true, true, false, false}, skipped);
            assertTrue(differs(before, after.get(0)), "step 1 updates");
            assertSame(after.get(0), after.get(1));
            assertSame(after.get(1), after.get(2));
            assertTrue(differs(after.get(2), after.get(3)), "step 4 updates again");
            assertEquals(3, t.optimizer().stepCount(), "AdamW ran 3 times");
            assertEquals(2, t.skippedSteps());
            assertEquals(16384f, t.gradScaler().getScale(), "65536 halved twice");
            assertEquals(2, t.gradScaler().growthTracker(), "two good steps since the last overflow");
            LrSchedule s = t.schedule();
            double[] lrs = r.stream().mapToDouble(StepRecord::lr).toArray();
            assertArrayEquals(new double[] {s.lr(0), s.lr(1), s.lr(1), s.lr(1), s.lr(2)}, lrs, 0.0);
            assertNotEquals(s.lr(1), s.lr(2));
            t.close();
        }
    }

    @Test
    @DisplayName("a checkpoint keeps the scaler's scale and growth tracker and the skipped count")
    void checkpointKeepsScaler(@TempDir Path dir) {
        Map<String, float[]> straight;
        float scale;
        int tracker;
        try (PeftModel peft = Tiny.lora(0.0)) {
            PeftTrainer t = fp16Builder(peft, 6, poisoned(peft, Set.of(1), 0))
                    .outputDir(dir)
                    .saveSteps(3)
                    .build();
            t.train();
            straight = trainable(peft);
            scale = t.gradScaler().getScale();
            tracker = t.gradScaler().growthTracker();
            assertEquals(32768f, scale);
            assertEquals(4, tracker);
            t.close();
        }
        Path ckpt = dir.resolve("checkpoint-3");
        Map<String, String> meta =
                TrainerCheckpoint.read(ckpt.resolve(TrainerCheckpoint.FILE)).metadata();
        assertEquals("32768.0", meta.get("scaler.scale"));
        assertEquals("1", meta.get("scaler._growth_tracker"));
        assertEquals("2000", meta.get("scaler.growth_interval"));
        assertEquals("1", meta.get("skipped_steps"));
        try (PeftModel peft = Tiny.lora(0.0)) {
            PeftTrainer t = fp16Builder(peft, 6, poisoned(peft, Set.of(1), 3)).build();
            t.resume(ckpt);
            assertEquals(3, t.globalStep());
            assertEquals(2, t.optimizer().stepCount());
            assertEquals(32768f, t.gradScaler().getScale());
            assertEquals(1, t.gradScaler().growthTracker());
            assertEquals(1, t.skippedSteps());
            t.train();
            assertEquals(scale, t.gradScaler().getScale());
            assertEquals(tracker, t.gradScaler().growthTracker());
            Map<String, float[]> resumed = trainable(peft);
            straight.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), 1e-6f, k));
            assertEquals(t.schedule().lr(4), t.records().get(2).lr(), "the resumed schedule counts the skip");
            t.close();
        }
    }

    @Test
    @DisplayName("fp16 on the CPU is refused with transformers' message and the way out")
    void refusedOnCpu() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingArguments.builder()
                .device(Device.cpu())
                .fp16(true)
                .build());
        assertTrue(e.getMessage().startsWith("Tried to use `fp16` but it is not supported on cpu"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dcuda"), e.getMessage());
        assertTrue(TrainingArguments.builder()
                .device(Device.gpu(0))
                .fp16(true)
                .build()
                .fp16());
        // The automatic choice from a fake GPU count, then fp16 on it.
        Device chosen = DevicePlacement.choose(2, null);
        assertEquals(Device.gpu(0), chosen);
        assertTrue(TrainingArguments.builder().device(chosen).fp16(true).build().fp16());
        assertEquals(Device.cpu(), DevicePlacement.choose(2, Device.cpu()), "an explicit device wins");

        Assumptions.assumeTrue(Engine.getInstance().getGpuCount() == 0, "a machine without a GPU");
        try (PeftModel peft = Tiny.lora(0.0)) {
            Map<String, float[]> before = trainable(peft);
            IllegalStateException s = assertThrows(IllegalStateException.class, () -> PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(4, 3))
                    .fp16(true)
                    .build());
            assertTrue(s.getMessage().contains("not supported on cpu"), s.getMessage());
            assertTrue(s.getMessage().contains("-Dcuda"), s.getMessage());
            assertSame(before, trainable(peft));
            ModuleTree.uniqueParameters(peft)
                    .values()
                    .forEach(p -> assertEquals(DataType.FLOAT32, p.getArray().getDataType()));
        }
    }

    @Test
    @DisplayName("on a GPU (mvn -Dcuda): trains on GPU 0 with an FP16 base and learns")
    void onTheGpu() {
        Assumptions.assumeTrue(Engine.getInstance().getGpuCount() > 0, "needs a GPU: build with -Dcuda");
        try (PeftModel peft = Tiny.lora(0.0)) {
            PeftTrainer t = PeftTrainer.builder(peft)
                    .trainData(Tiny.countingData(32, 3))
                    .batchSize(8)
                    .learningRate(1e-2)
                    .maxSteps(40)
                    .fp16(true)
                    .progressBar(false)
                    .build();
            assertEquals(Device.gpu(0), t.device());
            ModuleTree.uniqueParameters(peft).forEach((k, p) -> {
                assertEquals(Device.gpu(0), p.getArray().getDevice(), k);
                assertEquals(
                        p.requiresGradient() ? DataType.FLOAT32 : DataType.FLOAT16,
                        p.getArray().getDataType(),
                        k);
            });
            t.train();
            List<StepRecord> r = t.records();
            assertTrue(r.get(r.size() - 1).loss() < r.get(0).loss(), "the loss goes down");
            assertFalse(r.get(r.size() - 1).skipped());
            t.close();
        }
    }
}
