package ai.peft4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.models.roberta.RobertaConfig;
import ai.peft4j.models.roberta.RobertaForSequenceClassification;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A forward pass frees its intermediate arrays when it returns (as PyTorch does), so that a
 * training step holds only what backward needs and a forward on inputs from a long-lived manager
 * leaves nothing but its outputs there.
 */
@DisplayName("Forward passes keep only their outputs")
class ForwardMemoryTest {

    /** A two-layer OPT without dropout (so training-mode passes repeat exactly). */
    static OptConfig tinyOpt() {
        return OptConfig.builder()
                .set("vocab_size", 40)
                .set("hidden_size", 16)
                .set("word_embed_proj_dim", 16)
                .set("num_hidden_layers", 2)
                .set("num_attention_heads", 2)
                .set("ffn_dim", 32)
                .set("max_position_embeddings", 32)
                .set("pad_token_id", 1)
                .set("dropout", 0.0)
                .build();
    }

    /** How many arrays {@code forward} leaves on the inputs' and on the model's manager. */
    static long[] leftBehind(NDManager inputs, NDManager model, Supplier<Object> forward) {
        long in0 = inputs.getManagedArrays().size();
        long model0 = model.getManagedArrays().size();
        forward.get();
        return new long[] {
            inputs.getManagedArrays().size() - in0, model.getManagedArrays().size() - model0
        };
    }

    @Test
    @DisplayName("OPT: forward leaves logits and loss, loss(...) only the loss; nothing on the model")
    void opt() {
        try (OptForCausalLM lm = OptForCausalLM.fromConfig(tinyOpt(), 1);
                NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[] {5, 9, 12, 30, 2, 7}, new Shape(2, 3));
            ParameterStore ps = new ParameterStore(m, false);
            LmInputs in = LmInputs.of(ids, null, ids);
            assertArrayEquals2(2, 0, leftBehind(m, lm.manager(), () -> lm.forward(ps, in, true)));
            assertArrayEquals2(1, 0, leftBehind(m, lm.manager(), () -> lm.loss(ps, in, true)));
            assertArrayEquals2(
                    1, 0, leftBehind(m, lm.manager(), () -> lm.forward(ps, LmInputs.of(ids, null, null), false)));
        }
    }

    @Test
    @DisplayName("OPT with LoRA and with prompt tuning: the same")
    void optWithAdapters() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[] {5, 9, 12, 30, 2, 7}, new Shape(2, 3));
            ParameterStore ps = new ParameterStore(m, false);
            LmInputs in = LmInputs.of(ids, null, ids);
            OptForCausalLM lora = OptForCausalLM.fromConfig(tinyOpt(), 1);
            try (PeftModel peft = Peft.lora()
                    .r(2)
                    .targets("q_proj", "v_proj")
                    .task(TaskType.CAUSAL_LM)
                    .apply(lora)) {
                PeftModelForCausalLM p = (PeftModelForCausalLM) peft;
                assertArrayEquals2(2, 0, leftBehind(m, lora.manager(), () -> p.forward(ps, in, true)));
                assertArrayEquals2(1, 0, leftBehind(m, lora.manager(), () -> p.loss(ps, in, true)));
            }
            OptForCausalLM prompted = OptForCausalLM.fromConfig(tinyOpt(), 1);
            try (PeftModel peft = Peft.promptTuning()
                    .virtualTokens(3)
                    .task(TaskType.CAUSAL_LM)
                    .apply(prompted)) {
                PeftModelForCausalLM p = (PeftModelForCausalLM) peft;
                assertArrayEquals2(2, 0, leftBehind(m, prompted.manager(), () -> p.forward(ps, in, true)));
                assertArrayEquals2(1, 0, leftBehind(m, prompted.manager(), () -> p.loss(ps, in, true)));
            }
        }
    }

    @Test
    @DisplayName("RoBERTa classifier: forward leaves logits and loss")
    void roberta() {
        RobertaConfig config = RobertaConfig.builder()
                .set("vocab_size", 16)
                .set("hidden_size", 16)
                .set("num_hidden_layers", 2)
                .set("num_attention_heads", 2)
                .set("intermediate_size", 32)
                .set("max_position_embeddings", 32)
                .set("type_vocab_size", 1)
                .set("num_labels", 2)
                .build();
        try (RobertaForSequenceClassification cls = RobertaForSequenceClassification.fromConfig(config, 2);
                NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[] {0, 5, 9, 2, 0, 7, 7, 2}, new Shape(2, 4));
            NDArray labels = m.create(new long[] {1, 0});
            assertArrayEquals2(
                    2,
                    0,
                    leftBehind(
                            m,
                            cls.manager(),
                            () -> cls.forward(
                                    new ParameterStore(m, false),
                                    SequenceClassifierInputs.of(ids, null, labels),
                                    true)));
        }
    }

    @Test
    @DisplayName("parameters that a training forward allocates (DJL's lazy initialisation) outlive it")
    void lazyInitialisation() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[] {5, 9, 12, 30, 2, 7}, new Shape(2, 3));
            ParameterStore ps = new ParameterStore(m, false);
            OptForCausalLM lm = new OptForCausalLM(tinyOpt()); // no weights yet
            try (PeftModel peft = Peft.promptTuning()
                    .virtualTokens(3)
                    .task(TaskType.CAUSAL_LM)
                    .apply(lm)) {
                PeftModelForCausalLM p = (PeftModelForCausalLM) peft;
                float first = p.loss(ps, LmInputs.of(ids, null, ids), true).getFloat();
                float second = p.loss(ps, LmInputs.of(ids, null, ids), true).getFloat();
                assertEquals(first, second, 1e-6, "the same weights both times");
                peft.trainableParameters().values().forEach(q -> q.getArray().getShape());
            }
        }
    }

    @Test
    @DisplayName("copies that a parameter store caches (as for another device) outlive the forward")
    void cachedParameterCopies() {
        try (OptForCausalLM lm = OptForCausalLM.fromConfig(tinyOpt(), 1);
                NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[] {5, 9, 12, 30, 2, 7}, new Shape(2, 3));
            ParameterStore copying = new ParameterStore(m, true); // caches a copy of every parameter
            float first = lm.loss(copying, LmInputs.of(ids, null, ids), false).getFloat();
            float second = lm.loss(copying, LmInputs.of(ids, null, ids), false).getFloat();
            assertEquals(first, second, 1e-6);
        }
    }

    private static void assertArrayEquals2(long onInputs, long onModel, long[] actual) {
        assertEquals(onInputs, actual[0], "arrays left on the inputs' manager");
        assertEquals(onModel, actual[1], "arrays left on the model's manager");
    }
}
