package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.peft4j.PeftModel;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The same batch through the same frozen weights gives the same gradients every time, even while
 * the garbage collector runs constantly. Tensors that autograd keeps for the backward pass must
 * not live in Java buffers that the collector may free (see {@code nn.Scalars}); before that fix
 * this test saw zero or NaN gradients in most steps.
 */
@DisplayName("Gradients under garbage-collector pressure")
class GradientsUnderGcTest {

    @Test
    @DisplayName("are identical step after step for LoRA on every linear layer of OPT")
    void stable() throws Exception {
        Thread collector = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        collector.setDaemon(true);
        collector.start();
        try (PeftModel peft = Tiny.lora(0.0, "q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2");
                NDManager root = NDManager.newBaseManager()) {
            PreTrainedCausalLM lm = (PreTrainedCausalLM) peft.getBaseModel();
            // Random B as well as A, so that every adapter weight gets a gradient.
            for (Map.Entry<String, Parameter> e : peft.trainableParameters().entrySet()) {
                NDArray a = e.getValue().getArray();
                ai.peft4j.nn.Weights.copyInto(
                        a, a.getManager().randomNormal(0, 0.1f, a.getShape(), a.getDataType(), a.getDevice()));
            }
            Map<String, Parameter> params = peft.trainableParameters();
            TextDataset data = Tiny.countingData(16, 1);
            List<Double> sums = new ArrayList<>();
            for (int step = 0; step < 40; step++) {
                try (NDManager s = root.newSubManager()) {
                    TextDataset.Batch batch = data.collate(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, s);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = lm.forward(
                                        new ParameterStore(s, false),
                                        LmInputs.of(batch.inputIds(), batch.attentionMask(), batch.labels()),
                                        true)
                                .loss();
                        gc.backward(loss);
                    }
                    double total = 0;
                    for (Parameter p : params.values()) {
                        NDArray g = p.getArray().getGradient();
                        g.attach(s);
                        total += g.abs().sum().getFloat();
                        g.subi(g);
                    }
                    sums.add(total);
                }
            }
            assertTrue(sums.get(0) > 0 && Double.isFinite(sums.get(0)), "first gradient " + sums.get(0));
            for (int i = 1; i < sums.size(); i++) {
                assertEquals(sums.get(0), sums.get(i), 1e-6 * sums.get(0), "step " + i + ": " + sums);
            }
        } finally {
            collector.interrupt();
        }
    }
}
