package ai.peft4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.Linear;
import ai.peft4j.nn.ModuleTree;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The LM loss computed in chunks from the hidden states")
class LinearCrossEntropyTest {

    static final long B = 2;
    static final long T = 5;
    static final long D = 4;
    static final long V = 7;

    /** Fresh leaves (gradients start at zero) holding the same seeded values each call. */
    static NDArray[] leaves(NDManager m, boolean trainHead) {
        m.getEngine().setRandomSeed(11);
        NDArray h = m.randomNormal(new Shape(B, T, D));
        NDArray w = m.randomNormal(new Shape(V, D));
        NDArray b = m.randomNormal(new Shape(V));
        h.setRequiresGradient(true);
        if (trainHead) {
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
        }
        return new NDArray[] {h, w, b};
    }

    static NDArray labels(NDManager m) {
        return m.create(new long[] {3, 0, 6, -100, 2, 1, -100, 4, 4, 5}, new Shape(B, T));
    }

    /** Value then the gradients of hidden, weight and bias (null when not trained). */
    static NDArray[] run(NDManager m, boolean trainHead, long chunkRows) {
        NDArray[] x = leaves(m, trainHead);
        NDArray loss;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            if (chunkRows == 0) {
                loss = Losses.causalLmLoss(Linear.linear(x[0], x[1], x[2]), labels(m));
            } else {
                NDArray rows = x[0].reshape(B * T, D);
                loss = LinearCrossEntropy.loss(
                        rows, x[1], x[2], LinearCrossEntropy.shiftedTargets(labels(m)), chunkRows);
            }
            gc.backward(loss);
        }
        return new NDArray[] {
            loss, x[0].getGradient(), trainHead ? x[1].getGradient() : null, trainHead ? x[2].getGradient() : null
        };
    }

    static void assertClose(NDArray expected, NDArray actual, String what) {
        assertEquals(expected.getShape(), actual.getShape(), what);
        assertTrue(expected.allClose(actual, 1e-5, 1e-6, false), what + ": " + expected + " vs " + actual);
    }

    @ParameterizedTest(name = "{0} row(s) per chunk")
    @ValueSource(longs = {1, 3, 10, 64})
    @DisplayName("equals the loss of the full logits: value and gradients of hidden, weight and bias")
    void matchesFullLogits(long chunkRows) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] plain = run(m, true, 0);
            NDArray[] chunked = run(m, true, chunkRows);
            assertEquals(plain[0].getFloat(), chunked[0].getFloat(), 1e-6, "loss");
            assertClose(plain[1], chunked[1], "d loss / d hidden");
            assertClose(plain[2], chunked[2], "d loss / d weight");
            assertClose(plain[3], chunked[3], "d loss / d bias");
        }
    }

    @Test
    @DisplayName("with a frozen head only the hidden states get a gradient")
    void frozenHead() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] plain = run(m, false, 0);
            NDArray[] chunked = run(m, false, 3);
            assertEquals(plain[0].getFloat(), chunked[0].getFloat(), 1e-6, "loss");
            assertClose(plain[1], chunked[1], "d loss / d hidden");
        }
    }

    @Test
    @DisplayName("without autograd (evaluation) it is just the loss")
    void evaluation() {
        try (NDManager m = NDManager.newBaseManager();
                GradMode.Scope off = GradMode.off()) {
            NDArray[] x = leaves(m, true);
            float plain = Losses.causalLmLoss(Linear.linear(x[0], x[1], x[2]), labels(m))
                    .getFloat();
            NDArray chunked = Losses.causalLmLoss(x[0], x[1], x[2], labels(m));
            assertEquals(plain, chunked.getFloat(), 1e-6);
            assertFalse(chunked.hasGradient());
        }
    }

    @Test
    @DisplayName("OPT's loss(...) equals forward(...).loss() in full fine-tuning, tied LM head included")
    void optFullFineTuning() {
        try (OptForCausalLM lm = OptForCausalLM.fromConfig(ForwardMemoryTest.tinyOpt(), 3);
                NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> params = ModuleTree.uniqueParameters(lm);
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            NDArray ids = m.create(new long[] {5, 9, 12, 30, 2, 7, 7, 1}, new Shape(2, 4));
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, new Shape(2, 4));
            NDArray labels = m.create(new long[] {5, 9, 12, 30, 2, 7, 7, -100}, new Shape(2, 4));
            Map<String, NDArray> viaForward = gradients(lm, params, m, ids, mask, labels, false);
            Map<String, NDArray> viaLoss = gradients(lm, params, m, ids, mask, labels, true);
            assertEquals(viaForward.get("loss").getFloat(), viaLoss.get("loss").getFloat(), 1e-6, "loss");
            assertTrue(params.containsKey("model.decoder.embed_tokens.weight"));
            for (String k : params.keySet()) {
                assertClose(viaForward.get(k), viaLoss.get(k), "grad " + k);
            }
        }
    }

    private static Map<String, NDArray> gradients(
            OptForCausalLM lm,
            Map<String, Parameter> params,
            NDManager m,
            NDArray ids,
            NDArray mask,
            NDArray labels,
            boolean chunked) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (GradMode.Scope off = GradMode.off()) {
            params.values()
                    .forEach(p -> p.getArray().getGradient().subi(p.getArray().getGradient()));
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            ParameterStore ps = new ParameterStore(m, false);
            LmInputs in = LmInputs.of(ids, mask, labels);
            NDArray loss =
                    chunked ? lm.loss(ps, in, true) : lm.forward(ps, in, true).loss();
            gc.backward(loss);
            out.put("loss", loss);
        }
        params.forEach((k, p) -> out.put(k, p.getArray().getGradient().duplicate()));
        return out;
    }

    @Test
    @DisplayName("loss(...) without labels says to use forward(...)")
    void needsLabels() {
        try (OptForCausalLM lm = OptForCausalLM.fromConfig(ForwardMemoryTest.tinyOpt(), 3);
                NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[] {5, 9}, new Shape(1, 2));
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> lm.loss(new ParameterStore(m, false), LmInputs.of(ids, null, null), false));
            assertTrue(e.getMessage().contains("forward"), e.getMessage());
        }
    }
}
