package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.peft4j.PeftModel;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.testing.Golden;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One IA3 training step on tiny_opt with the adapter PEFT wrote, against PEFT 0.10 + torch: the
 * loss, the gradient of every IA3 vector and every vector after one AdamW step come from {@code
 * hf-reference/wave2/tiny_opt_ia3/train_step.json} (see that folder's README).
 */
@DisplayName("One IA3 training step against PEFT")
class IA3ReferenceStepTest {

    static final double TOL = 1e-5;

    @ParameterizedTest(name = "through {0}")
    @ValueSource(strings = {"forward(...).loss()", "loss(...)"})
    @DisplayName("loss, IA3 gradients and AdamW-updated vectors match PEFT within 1e-5")
    void oneStep(String path) {
        Path dir = Golden.fixture("wave2/tiny_opt_ia3");
        JsonNode ref = Golden.read(dir.resolve("train_step.json"));
        JsonNode in = ref.get("inputs");
        PreTrainedCausalLM base = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        try (PeftModel peft = PeftModel.fromPretrained(base, dir, true);
                NDManager root = NDManager.newBaseManager()) {
            Map<String, Parameter> params = peft.trainableParameters();
            Set<String> refKeys = new TreeSet<>();
            ref.get("trainable_param_names").forEach(n -> refKeys.add(n.asText()));
            assertEquals(refKeys, new TreeSet<>(params.keySet()), "exactly the IA3 vectors train, under PEFT's names");
            params.forEach((k, p) -> Golden.assertClose(
                    Golden.floats(root, ref.get("params_before").get(k)), p.getArray(), 0, "before " + k));

            // torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
            try (NDManager step = root.newSubManager();
                    AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.0, Optimization.decayedKeys(peft, params), root)) {
                NDArray ids = Golden.longs(step, in.get("input_ids"));
                NDArray mask = Golden.longs(step, in.get("attention_mask"));
                NDArray labels = Golden.longs(step, in.get("labels"));
                double loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    ParameterStore ps = new ParameterStore(step, false);
                    LmInputs inputs = LmInputs.of(ids, mask, labels);
                    NDArray l = path.equals("loss(...)")
                            ? base.loss(ps, inputs, true)
                            : base.forward(ps, inputs, true).loss();
                    gc.backward(l);
                    loss = l.getFloat();
                }
                assertEquals(ref.get("loss").asDouble(), loss, TOL, "loss");

                Map<String, NDArray> grads = new LinkedHashMap<>();
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    g.attach(step);
                    grads.put(e.getKey(), g);
                    Golden.assertClose(
                            Golden.floats(step, ref.get("grads").get(e.getKey())), g, TOL, "grad " + e.getKey());
                }
                adamw.step(params, grads, 1e-3, step);
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    Golden.assertClose(
                            Golden.floats(
                                    step, ref.get("params_after_adamw_step").get(e.getKey())),
                            e.getValue().getArray(),
                            TOL,
                            "updated " + e.getKey());
                }
                assertEquals(1, adamw.stepCount());
                ParameterStore ps = new ParameterStore(step, false);
                assertEquals(
                        ref.get("loss_after_step_same_batch").asDouble(),
                        base.forward(ps, LmInputs.of(ids, mask, labels), false)
                                .loss()
                                .getFloat(),
                        TOL,
                        "loss after the step");
            }
        }
    }
}
