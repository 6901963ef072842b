package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.peft4j.PeftModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("optimizer, schedules, clipping and device choice")
class AdamWTest {

    private static Parameter param(NDManager m, float... values) {
        NDArray a = m.create(values, new Shape(values.length));
        return Parameter.builder()
                .setName("w")
                .setType(Parameter.Type.WEIGHT)
                .optArray(a)
                .build();
    }

    /** PyTorch's AdamW written out in doubles, independently of the NDArray code. */
    private static double[] reference(double[] p, double[][] grads, double lr, double wd) {
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double[] m = new double[p.length];
        double[] v = new double[p.length];
        double[] x = p.clone();
        for (int t = 1; t <= grads.length; t++) {
            for (int i = 0; i < x.length; i++) {
                double g = grads[t - 1][i];
                x[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mh = m[i] / (1 - Math.pow(b1, t));
                double vh = v[i] / (1 - Math.pow(b2, t));
                x[i] -= lr * mh / (Math.sqrt(vh) + eps);
            }
        }
        return x;
    }

    @Test
    @DisplayName("one AdamW step matches the hand-computed PyTorch update, with decoupled weight decay")
    void oneStep() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter decayed = param(m, 1.0f, -2.0f, 0.5f);
            Parameter bias = param(m, 1.0f, -2.0f, 0.5f);
            Map<String, Parameter> ps = new LinkedHashMap<>();
            ps.put("a.weight", decayed);
            ps.put("a.bias", bias);
            try (AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.01, Set.of("a.weight"), m);
                    NDManager step = m.newSubManager()) {
                NDArray g = step.create(new float[] {0.5f, -0.1f, 0f});
                opt.step(ps, Map.of("a.weight", g, "a.bias", g.duplicate()), 0.1, step);
                // Step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g|+eps); decay multiplies by 1 - lr·wd.
                float[] expectedDecayed = {
                    (float) (1.0 * 0.999 - 0.1 * 0.5 / (0.5 + 1e-8)),
                    (float) (-2.0 * 0.999 + 0.1 * 0.1 / (0.1 + 1e-8)),
                    (float) (0.5 * 0.999)
                };
                assertArrayEquals(expectedDecayed, decayed.getArray().toFloatArray(), 1e-6f);
                assertArrayEquals(
                        new float[] {0.9f, -1.9f, 0.5f}, bias.getArray().toFloatArray(), 1e-6f, "no decay on biases");
                assertEquals(1, opt.stepCount());
            }
        }
    }

    @Test
    @DisplayName("three AdamW steps follow the reference formulas (bias correction over time)")
    void threeSteps() {
        double[][] grads = {{0.3, -1.2}, {-0.7, 0.4}, {0.05, 2.0}};
        double[] expected = reference(new double[] {0.25, 1.5}, grads, 1e-2, 0.1);
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter p = param(m, 0.25f, 1.5f);
            try (AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.1, Set.of("p"), m)) {
                for (double[] g : grads) {
                    try (NDManager step = m.newSubManager()) {
                        NDArray ga = step.create(new float[] {(float) g[0], (float) g[1]});
                        opt.step(Map.of("p", p), Map.of("p", ga), 1e-2, step);
                    }
                }
            }
            float[] got = p.getArray().toFloatArray();
            assertEquals(expected[0], got[0], 1e-6);
            assertEquals(expected[1], got[1], 1e-6);
        }
    }

    @Test
    @DisplayName("learning-rate schedules follow transformers' formulas")
    void schedules() {
        LrSchedule lin = new LrSchedule(LrSchedule.Type.LINEAR, 1.0, 2, 10);
        assertEquals(0.0, lin.lr(0), 1e-12);
        assertEquals(0.5, lin.lr(1), 1e-12);
        assertEquals(1.0, lin.lr(2), 1e-12);
        assertEquals(0.5, lin.lr(6), 1e-12);
        assertEquals(0.0, lin.lr(10), 1e-12);
        LrSchedule cos = new LrSchedule(LrSchedule.Type.COSINE, 2.0, 0, 10);
        assertEquals(2.0, cos.lr(0), 1e-12);
        assertEquals(1.0, cos.lr(5), 1e-12);
        assertEquals(0.0, cos.lr(10), 1e-12);
        LrSchedule c = new LrSchedule(LrSchedule.Type.CONSTANT, 3e-4, 0, 10);
        assertEquals(3e-4, c.lr(9), 0);
        assertEquals(LrSchedule.Type.CONSTANT, LrSchedule.Type.parse("constant_with_warmup"));
    }

    @Test
    @DisplayName("clipping scales gradients to the global norm as clip_grad_norm_")
    void clipping() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> g = new LinkedHashMap<>();
            g.put("a", m.create(new float[] {3f, 0f}));
            g.put("b", m.create(new float[] {4f}));
            double norm = Optimization.clipByGlobalNorm(g, 1.0, m);
            assertEquals(5.0, norm, 1e-6);
            assertArrayEquals(new float[] {0.6f, 0f}, g.get("a").toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.8f}, g.get("b").toFloatArray(), 1e-6f);
            assertEquals(1.0, Optimization.clipByGlobalNorm(g, 10.0, m), 1e-5);
            assertArrayEquals(new float[] {0.8f}, g.get("b").toFloatArray(), 1e-6f, "under the limit");
        }
    }

    @Test
    @DisplayName("the device is the GPU when the engine sees one, else the CPU, unless overridden")
    void deviceChoice() {
        assertEquals(Device.cpu(), DevicePlacement.choose(0, null));
        assertEquals(Device.gpu(0), DevicePlacement.choose(2, null));
        assertEquals(Device.cpu(), DevicePlacement.choose(2, Device.cpu()));
        assertEquals(Device.gpu(1), DevicePlacement.choose(0, Device.gpu(1)));
        assertEquals(Device.cpu(), DevicePlacement.choose(null), "this machine has no GPU");
        // FP16 only for frozen weights on a GPU; trainable weights always FP32; never BF16.
        assertEquals(DataType.FLOAT16, DevicePlacement.targetType(false, DataType.FLOAT32, Device.gpu(0), true));
        assertEquals(DataType.FLOAT32, DevicePlacement.targetType(true, DataType.FLOAT32, Device.gpu(0), true));
        assertEquals(DataType.FLOAT32, DevicePlacement.targetType(true, DataType.FLOAT16, Device.gpu(0), true));
        assertEquals(DataType.FLOAT32, DevicePlacement.targetType(false, DataType.FLOAT32, Device.cpu(), true));
        assertEquals(DataType.FLOAT32, DevicePlacement.targetType(false, DataType.FLOAT32, Device.gpu(0), false));
    }

    @Test
    @DisplayName("weight decay skips biases and LayerNorm weights, as transformers' Trainer")
    void decayRule() {
        PeftModel peft = ai.peft4j.Peft.lora()
                .r(2)
                .targets("q_proj")
                .modulesToSave("final_layer_norm", "fc1")
                .apply(ai.peft4j.models.opt.OptForCausalLM.fromConfig(Tiny.config(0), 3));
        Map<String, Parameter> params = peft.trainableParameters();
        Set<String> decayed = Optimization.decayedKeys(peft, params);
        assertTrue(
                params.keySet().stream().anyMatch(k -> k.contains("final_layer_norm")),
                params.keySet().toString());
        for (String k : params.keySet()) {
            boolean exempt = k.endsWith("bias") || k.contains("final_layer_norm");
            assertEquals(!exempt, decayed.contains(k), k);
        }
        assertTrue(decayed.stream().anyMatch(k -> k.contains("lora_A")));
        assertTrue(decayed.stream().anyMatch(k -> k.contains("fc1.modules_to_save.default.weight")));
        assertFalse(decayed.stream().anyMatch(k -> k.contains("fc1.modules_to_save.default.bias")));
        peft.close();
    }
}
