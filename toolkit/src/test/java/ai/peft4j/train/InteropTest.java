package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.models.LmInputs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("a PeftModel under DJL's training APIs")
class InteropTest {

    static final String[] TARGETS = {"q_proj", "v_proj", "out_proj", "fc1", "fc2"};

    static float meanLoss(PeftModelForCausalLM peft, TextDataset data) {
        try (NDManager m = NDManager.newBaseManager()) {
            int[] all = new int[data.size()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            TextDataset.Batch b = data.collate(all, m);
            return peft.forward(b.inputIds(), b.attentionMask(), b.labels())
                    .loss()
                    .getFloat();
        }
    }

    @Test
    @DisplayName("DJL Trainer + EasyTrain with a custom Loss reading the model's loss output")
    void djlTrainer() {
        TextDataset data = Tiny.countingData(16, 8);
        try (PeftModel peft = Tiny.lora(0.0, TARGETS)) {
            PeftModelForCausalLM lm = (PeftModelForCausalLM) peft;
            Map<String, float[]> frozen = PeftTrainerTest.frozen(peft);
            float before = meanLoss(lm, data);
            Optimizer adam = Optimizer.adam()
                    .optLearningRateTracker(Tracker.fixed(3e-2f))
                    .build();
            try (Model model = DjlTraining.wrap(peft);
                    Trainer trainer = model.newTrainer(DjlTraining.config(adam))) {
                for (int step = 0; step < 40; step++) {
                    List<int[]> order = data.batchOrder(4, true, 1, step / 4);
                    try (Batch batch = DjlTraining.causalLmBatch(trainer.getManager(), data, order.get(step % 4))) {
                        EasyTrain.trainBatch(trainer, batch);
                        trainer.step();
                    }
                    for (Parameter p : peft.trainableParameters().values()) {
                        try (NDArray g = p.getArray().getGradient()) {
                            g.subi(g);
                        }
                    }
                }
            }
            float after = meanLoss(lm, data);
            assertTrue(after < before - 0.1, "loss fell from " + before + " to " + after);
            Map<String, float[]> still = PeftTrainerTest.frozen(peft);
            frozen.forEach((k, v) -> assertArrayEquals(v, still.get(k), 0f, k));
        }
    }

    @Test
    @DisplayName("a plain GradientCollector loop with AdamW over trainableParameters()")
    void gradientCollectorLoop() {
        TextDataset data = Tiny.countingData(16, 9);
        try (PeftModel peft = Tiny.lora(0.0, TARGETS)) {
            PeftModelForCausalLM lm = (PeftModelForCausalLM) peft;
            Map<String, float[]> frozen = PeftTrainerTest.frozen(peft);
            float before = meanLoss(lm, data);
            Map<String, Parameter> params = peft.trainableParameters();
            try (NDManager root = NDManager.newBaseManager();
                    AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0, params.keySet(), root)) {
                for (int step = 0; step < 40; step++) {
                    try (NDManager sm = root.newSubManager()) {
                        TextDataset.Batch b = data.collate(
                                data.batchOrder(4, true, 2, step / 4).get(step % 4), sm);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray loss = lm.forward(
                                            new ai.djl.training.ParameterStore(sm, false),
                                            LmInputs.of(b.inputIds(), b.attentionMask(), b.labels()),
                                            true)
                                    .loss();
                            gc.backward(loss);
                        }
                        Map<String, NDArray> grads = new java.util.LinkedHashMap<>();
                        params.forEach((k, p) -> {
                            NDArray g = p.getArray().getGradient();
                            g.attach(sm);
                            grads.put(k, g);
                        });
                        opt.step(params, grads, 3e-2, sm);
                        grads.values().forEach(g -> g.subi(g));
                    }
                }
            }
            float after = meanLoss(lm, data);
            assertTrue(after < before - 0.1, "loss fell from " + before + " to " + after);
            Map<String, float[]> still = PeftTrainerTest.frozen(peft);
            frozen.forEach((k, v) -> assertArrayEquals(v, still.get(k), 0f, k));
        }
    }
}
