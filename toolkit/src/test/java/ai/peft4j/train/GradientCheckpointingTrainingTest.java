package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.GradientCheckpointing;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.PreTrainedModel;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.models.bert.BertConfig;
import ai.peft4j.models.bert.BertForSequenceClassification;
import ai.peft4j.models.llama.LlamaConfig;
import ai.peft4j.models.llama.LlamaForCausalLM;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.Weights;
import ai.peft4j.tuners.Initialization;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Gradient checkpointing ({@link GradientCheckpointing}, {@code gradientCheckpointing(true)}) recomputes every layer
 * in backward and gives the gradients of the plain backward: for LoRA on OPT and Llama, and for prompt tuning, p-tuning
 * and prefix tuning, whose gradients reach the virtual tokens through the recomputed layers. With dropout the
 * recomputation draws the masks of the forward pass.
 */
@DisplayName("Gradient checkpointing")
class GradientCheckpointingTrainingTest {

    private static final long STEP_SEED = 1234;

    /** One step's loss, gradients of every trainable parameter and number of recomputed layers. */
    private record Step(float loss, Map<String, float[]> grads, int recomputed) {}

    private static Path resource(String name) {
        try {
            return Path.of(GradientCheckpointingTrainingTest.class
                            .getResource("/" + name + "/config.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One forward and backward of a fixed batch. {@code checkpoint}: with the model's checkpointing on; {@code
     * inStep}: inside a {@link GradientCheckpointing} step (which seeds each layer's dropout), else a plain {@code
     * gc.backward}.
     */
    private static Step step(PeftModel peft, boolean checkpoint, boolean inStep) {
        PreTrainedModel base = (PreTrainedModel) peft.getBaseModel();
        base.gradientCheckpointing(checkpoint);
        long vocab = ((PreTrainedCausalLM) base).inputEmbeddings().numEmbeddings();
        try (NDManager m = NDManager.newBaseManager()) {
            long[][] ids = new long[3][7];
            long[][] mask = new long[3][7];
            long[][] labels = new long[3][7];
            for (int b = 0; b < 3; b++) {
                for (int t = 0; t < 7; t++) {
                    ids[b][t] = 3 + (b * 11 + t * 5) % (vocab - 3);
                    boolean pad = b == 2 && t < 2; // left padding in the last row
                    mask[b][t] = pad ? 0 : 1;
                    labels[b][t] = pad ? -100 : ids[b][t];
                }
            }
            NDArray idArray = m.create(ids);
            NDArray maskArray = m.create(mask);
            NDArray labelArray = m.create(labels);
            Engine.getInstance().setRandomSeed(99);
            float loss;
            int recomputed;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector();
                    GradientCheckpointing ckpt =
                            inStep ? GradientCheckpointing.step(STEP_SEED) : GradientCheckpointing.none()) {
                NDArray l = peft.loss(new ParameterStore(m, false), idArray, maskArray, labelArray, true);
                ckpt.backward(gc, l);
                loss = l.getFloat();
                recomputed = ckpt.recomputedLayers();
            }
            Map<String, float[]> grads = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : peft.trainableParameters().entrySet()) {
                NDArray g = e.getValue().getArray().getGradient();
                grads.put(e.getKey(), g.toFloatArray());
                g.subi(g);
                g.close();
            }
            return new Step(loss, grads, recomputed);
        } finally {
            base.gradientCheckpointing(false);
        }
    }

    /** Random values in every trainable weight, so that every one gets a gradient (LoRA's B starts at zero). */
    private static PeftModel randomized(PeftModel peft) {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(5);
            for (Parameter p : peft.trainableParameters().values()) {
                NDArray a = p.getArray();
                Weights.copyInto(a, m.randomNormal(0, 0.2f, a.getShape(), a.getDataType(), a.getDevice()));
            }
        }
        return peft;
    }

    private static void assertSameGradients(Step expected, Step actual) {
        assertEquals(expected.loss(), actual.loss(), 1e-6, "loss");
        assertEquals(expected.grads().keySet(), actual.grads().keySet());
        double total = 0;
        for (Map.Entry<String, float[]> e : expected.grads().entrySet()) {
            float[] want = e.getValue();
            float[] got = actual.grads().get(e.getKey());
            assertEquals(want.length, got.length, e.getKey());
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-6, e.getKey() + "[" + i + "]");
                total += Math.abs(want[i]);
            }
            assertTrue(maxAbs(want) > 0, e.getKey() + " has a zero gradient: the check would be empty");
        }
        assertTrue(total > 0);
    }

    private static double maxAbs(float[] a) {
        double max = 0;
        for (float v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /**
     * Checks one model: without dropout against the plain backward; with dropout against a step without
     * checkpointing (same seeds), and that dropout did change the gradients.
     */
    private static void check(Function<Double, PeftModel> build, int layers) {
        try (PeftModel plain = randomized(build.apply(0.0))) {
            Step reference = step(plain, false, false);
            assertEquals(0, reference.recomputed());
            Step checkpointed = step(plain, true, true);
            assertEquals(layers, checkpointed.recomputed(), "each layer recomputed once");
            assertSameGradients(reference, checkpointed);
        }
        try (PeftModel dropped = randomized(build.apply(0.2))) {
            Step reference = step(dropped, false, true);
            Step checkpointed = step(dropped, true, true);
            assertEquals(layers, checkpointed.recomputed());
            assertSameGradients(reference, checkpointed);
            Step noDropoutDraws = step(dropped, false, false);
            assertNotEquals(reference.loss(), noDropoutDraws.loss(), "dropout is on: other draws, another loss");
        }
    }

    private static OptForCausalLM opt(double dropout) {
        if (dropout == 0) {
            return OptForCausalLM.fromPretrained(resource("hf-reference/tiny_opt"));
        }
        OptConfig c = OptConfig.builder()
                .set("vocab_size", 64)
                .set("hidden_size", 16)
                .set("word_embed_proj_dim", 16)
                .set("num_hidden_layers", 2)
                .set("num_attention_heads", 2)
                .set("ffn_dim", 32)
                .set("max_position_embeddings", 64)
                .set("pad_token_id", 1)
                .set("dropout", dropout)
                .set("attention_dropout", dropout)
                .build();
        return OptForCausalLM.fromConfig(c, 3);
    }

    private static LlamaForCausalLM llama(double dropout) {
        if (dropout == 0) {
            return LlamaForCausalLM.fromPretrained(resource("reference/tiny_llama"));
        }
        LlamaConfig c = LlamaConfig.builder()
                .set("vocab_size", 64)
                .set("hidden_size", 16)
                .set("intermediate_size", 40)
                .set("num_hidden_layers", 2)
                .set("num_attention_heads", 4)
                .set("num_key_value_heads", 2)
                .set("max_position_embeddings", 64)
                .set("tie_word_embeddings", false)
                .set("attention_dropout", dropout)
                .build();
        return LlamaForCausalLM.fromConfig(c, 3);
    }

    private static PeftModel lora(PreTrainedModel lm, double dropout) {
        Initialization.manualSeed(7);
        return Peft.lora()
                .r(4)
                .alpha(8)
                .dropout(dropout)
                .targets("q_proj", "v_proj", "fc1")
                .task(TaskType.CAUSAL_LM)
                .apply(lm);
    }

    @Test
    @DisplayName("LoRA on OPT: the gradients of the plain backward, dropout included")
    void loraOpt() {
        check(p -> lora(opt(p), p), 2);
    }

    @Test
    @DisplayName("LoRA on Llama: the gradients of the plain backward, dropout included")
    void loraLlama() {
        check(
                p -> Peft.lora()
                        .r(4)
                        .alpha(8)
                        .dropout(p)
                        .targets("q_proj", "v_proj", "down_proj")
                        .task(TaskType.CAUSAL_LM)
                        .apply(llama(p)),
                2);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "tiny_gpt2, c_attn c_fc",
        "tiny_bloom, query_key_value dense_4h_to_h",
        "tiny_gemma, q_proj v_proj",
        "tiny_mistral, q_proj down_proj"
    })
    @DisplayName("LoRA on the other decoders: the gradients of the plain backward, LoRA dropout included")
    void loraOtherDecoders(String fixture, String targets) {
        check(
                p -> {
                    PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(resource("reference/" + fixture));
                    Initialization.manualSeed(7);
                    return Peft.lora()
                            .r(4)
                            .alpha(8)
                            .dropout(p)
                            .targets(targets.split(" "))
                            .task(TaskType.CAUSAL_LM)
                            .apply(lm);
                },
                2);
    }

    @Test
    @DisplayName("prompt tuning: the virtual tokens get their gradient through the recomputed layers")
    void promptTuning() {
        check(
                p -> {
                    Initialization.manualSeed(7);
                    return Peft.promptTuning()
                            .virtualTokens(3)
                            .task(TaskType.CAUSAL_LM)
                            .apply(opt(p));
                },
                2);
    }

    @Test
    @DisplayName("p-tuning: the prompt encoder gets its gradient through the recomputed layers")
    void pTuning() {
        check(
                p -> {
                    Initialization.manualSeed(7);
                    return Peft.pTuning()
                            .virtualTokens(3)
                            .encoderHiddenSize(8)
                            .encoderDropout(p)
                            .task(TaskType.CAUSAL_LM)
                            .apply(llama(p));
                },
                2);
    }

    @Test
    @DisplayName("prefix tuning: each layer's past keys and values get their gradient through the recomputed layers")
    void prefixTuning() {
        check(
                p -> {
                    Initialization.manualSeed(7);
                    return Peft.prefixTuning()
                            .virtualTokens(3)
                            .task(TaskType.CAUSAL_LM)
                            .apply(opt(p));
                },
                2);
    }

    @Test
    @DisplayName("a model that cannot checkpoint says so; a checkpointed forward outside a step fails clearly")
    void errors() {
        BertForSequenceClassification bert = new BertForSequenceClassification(BertConfig.named("bert-base-uncased"));
        assertFalse(bert.supportsGradientCheckpointing());
        UnsupportedOperationException e =
                assertThrows(UnsupportedOperationException.class, () -> bert.gradientCheckpointing(true));
        assertTrue(e.getMessage().contains("BertForSequenceClassification does not support gradient checkpointing"));
        bert.gradientCheckpointing(false); // turning it off is always fine

        try (PeftModel peft = lora(opt(0), 0.0);
                NDManager m = NDManager.newBaseManager()) {
            PreTrainedModel base = (PreTrainedModel) peft.getBaseModel();
            assertTrue(base.supportsGradientCheckpointing());
            base.gradientCheckpointing(true);
            assertTrue(base.isGradientCheckpointing());
            NDArray ids = m.create(new long[][] {{3, 4, 5}});
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                IllegalStateException s = assertThrows(
                        IllegalStateException.class,
                        () -> peft.loss(new ParameterStore(m, false), ids, null, ids, true));
                assertTrue(s.getMessage().contains("GradientCheckpointing.step"), s.getMessage());
            }
            // Evaluation needs no step: nothing is recomputed there.
            NDArray logits =
                    ((PreTrainedCausalLM) base).forward(ids, null, null).logits();
            assertEquals(3, logits.getShape().get(1));
        }
    }

    @Test
    @DisplayName(
            "PeftTrainer with gradientCheckpointing(true) follows the same loss curve and ends at the same weights")
    void trainer() {
        List<StepRecord> off;
        Map<String, float[]> offWeights;
        try (PeftModel peft = Tiny.lora(0.0, "q_proj", "v_proj", "fc2")) {
            PeftTrainer trainer = trainer(peft, false);
            trainer.train();
            off = trainer.records();
            offWeights = weights(peft);
            assertFalse(((PreTrainedModel) peft.getBaseModel()).isGradientCheckpointing());
        }
        try (PeftModel peft = Tiny.lora(0.0, "q_proj", "v_proj", "fc2")) {
            PeftTrainer trainer = trainer(peft, true);
            assertTrue(trainer.args().gradientCheckpointing());
            assertTrue(((PreTrainedModel) peft.getBaseModel()).isGradientCheckpointing(), "the trainer turns it on");
            trainer.train();
            List<StepRecord> on = trainer.records();
            assertEquals(off.size(), on.size());
            for (int i = 0; i < off.size(); i++) {
                assertEquals(off.get(i).loss(), on.get(i).loss(), 1e-6, "loss at step " + i);
                assertEquals(off.get(i).gradNorm(), on.get(i).gradNorm(), 1e-5, "grad norm at step " + i);
            }
            assertTrue(on.get(on.size() - 1).loss() < on.get(0).loss(), "it trains");
            Map<String, float[]> onWeights = weights(peft);
            offWeights.forEach((k, v) -> {
                float[] w = onWeights.get(k);
                for (int i = 0; i < v.length; i++) {
                    assertEquals(v[i], w[i], 1e-5, k);
                }
            });
        }
        // A model that has it on already trains with it, and the arguments say so.
        try (PeftModel peft = Tiny.lora(0.0)) {
            ((PreTrainedModel) peft.getBaseModel()).gradientCheckpointing(true);
            assertTrue(trainer(peft, false).args().gradientCheckpointing());
        }
    }

    private static PeftTrainer trainer(PeftModel peft, boolean checkpointing) {
        return PeftTrainer.builder(peft)
                .trainData(Tiny.countingData(24, 1))
                .learningRate(3e-2)
                .batchSize(4)
                .gradientAccumulationSteps(2)
                .maxSteps(6)
                .progressBar(false)
                .gradientCheckpointing(checkpointing)
                .build();
    }

    private static Map<String, float[]> weights(PeftModel peft) {
        Map<String, float[]> out = new LinkedHashMap<>();
        peft.trainableParameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }
}
