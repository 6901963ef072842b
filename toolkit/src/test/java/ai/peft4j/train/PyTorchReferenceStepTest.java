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
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One LoRA training step on tiny_opt + the adapter PEFT wrote, against plain PyTorch: the loss,
 * the gradient of every LoRA weight and every weight after one AdamW step come from {@code
 * reference/lora_step_reference.json}, written by {@code scripts/lora_step_reference.py} (run by
 * hand with torch 1.13; the test never runs Python).
 */
@DisplayName("One LoRA training step against plain PyTorch")
class PyTorchReferenceStepTest {

    static final double TOL = 1e-5;

    static JsonNode reference() {
        try (InputStream in =
                PyTorchReferenceStepTest.class.getResourceAsStream("/reference/lora_step_reference.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** peft4j's in-memory key (with the adapter name) as the adapter file spells it. */
    static String fileKey(String key) {
        return key.replace(".default.", ".");
    }

    @ParameterizedTest(name = "through {0}")
    @ValueSource(strings = {"forward(...).loss()", "loss(...)"})
    @DisplayName("loss, LoRA gradients and AdamW-updated LoRA weights match torch within 1e-5")
    void oneStep(String path) {
        JsonNode ref = reference();
        JsonNode in = ref.get("inputs");
        JsonNode opt = ref.get("optimizer");
        PreTrainedCausalLM base = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        try (PeftModel peft = PeftModel.fromPretrained(base, Golden.tinyOpt().resolve("lora"), true);
                NDManager root = NDManager.newBaseManager()) {
            Map<String, Parameter> params = peft.trainableParameters();
            Map<String, String> byFileKey = new TreeMap<>();
            params.keySet().forEach(k -> byFileKey.put(fileKey(k), k));
            Set<String> refKeys = new TreeSet<>();
            ref.get("grads").fieldNames().forEachRemaining(refKeys::add);
            assertEquals(refKeys, byFileKey.keySet(), "exactly the LoRA A/B weights train");

            try (NDManager step = root.newSubManager();
                    AdamW adamw = new AdamW(
                            opt.get("betas").get(0).asDouble(),
                            opt.get("betas").get(1).asDouble(),
                            opt.get("eps").asDouble(),
                            opt.get("weight_decay").asDouble(),
                            Optimization.decayedKeys(peft, params),
                            root)) {
                NDArray ids = Golden.longs(step, in.get("input_ids"));
                NDArray mask = Golden.longs(step, in.get("attention_mask"));
                NDArray labels = Golden.longs(step, in.get("labels"));
                double loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    ParameterStore ps = new ParameterStore(step, false);
                    LmInputs inputs = LmInputs.of(ids, mask, labels);
                    // loss(...) computes the LM head's cross-entropy in chunks with hand-written gradients.
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
                            Golden.floats(step, ref.get("grads").get(fileKey(e.getKey()))),
                            g,
                            TOL,
                            "grad " + e.getKey());
                }
                adamw.step(params, grads, opt.get("lr").asDouble(), step);
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    Golden.assertClose(
                            Golden.floats(step, ref.get("updated").get(fileKey(e.getKey()))),
                            e.getValue().getArray(),
                            TOL,
                            "updated " + e.getKey());
                }
                assertEquals(1, adamw.stepCount());
            }
        }
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
        return () -> it;
    }
}
