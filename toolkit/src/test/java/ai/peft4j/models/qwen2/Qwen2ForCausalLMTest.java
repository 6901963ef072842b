package ai.peft4j.models.qwen2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.TransformersCausalLm;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Qwen2 against {@code hf-reference/wave2/tiny_qwen2}: what transformers 4.39 (the v4.39 branch point, eager) and
 * PEFT 0.10 computed for a tiny Qwen2 with q/k/v biases and an untied head (see that folder's README).
 */
@DisplayName("Qwen2 (Qwen2ForCausalLM)")
class Qwen2ForCausalLMTest {

    static Path tinyQwen2() {
        return Golden.hfReference().resolve("wave2/tiny_qwen2");
    }

    static JsonNode golden() {
        return Golden.read(tinyQwen2().resolve("golden_base.json"));
    }

    @Test
    @DisplayName("right-padded batch: logits (pads included) and loss are transformers 4.39's")
    void rightPadded() {
        JsonNode g = golden();
        JsonNode in = g.get("inputs");
        try (var lm = AutoModelForCausalLM.fromPretrained(tinyQwen2());
                NDManager m = NDManager.newBaseManager()) {
            assertInstanceOf(Qwen2ForCausalLM.class, lm);
            NDArray mask = Golden.longs(m, in.get("attention_mask"));
            LmInputs inputs =
                    LmInputs.of(Golden.longs(m, in.get("input_ids")), mask, Golden.longs(m, in.get("labels")));
            CausalLMOutput out = lm.forward(new ParameterStore(m, false), inputs, false);
            TransformersCausalLm.assertLogits("right_padded", Golden.floats(m, g.get("logits")), out.logits(), mask);
            double loss = g.get("loss_with_labels").asDouble();
            assertEquals(loss, out.loss().getFloat(), TransformersCausalLm.LOSS_TOL);
            assertEquals(
                    loss,
                    lm.loss(new ParameterStore(m, false), inputs, false).getFloat(),
                    TransformersCausalLm.LOSS_TOL);
        }
    }

    @Test
    @DisplayName("left-padded batch with generate's position ids: transformers 4.39's logits")
    void leftPaddedWithPositions() {
        JsonNode g = golden();
        JsonNode in = g.get("generate_inputs");
        try (Qwen2ForCausalLM lm = Qwen2ForCausalLM.fromPretrained(tinyQwen2());
                NDManager m = NDManager.newBaseManager()) {
            NDArray mask = Golden.longs(m, in.get("attention_mask"));
            LmInputs inputs = LmInputs.of(Golden.longs(m, in.get("input_ids")), mask, null)
                    .withPositionIds(Golden.longs(m, g.get("left_padded_forward_position_ids")));
            CausalLMOutput out = lm.forward(new ParameterStore(m, false), inputs, false);
            TransformersCausalLm.assertLogits(
                    "left_padded",
                    Golden.floats(m, g.get("left_padded_forward_logits (generate inputs, first step)")),
                    out.logits(),
                    mask);
        }
    }

    @Test
    @DisplayName("greedy generate on a left-padded batch gives transformers 4.39's tokens")
    void generateLeftPadded() {
        JsonNode g = golden();
        JsonNode in = g.get("generate_inputs");
        try (Qwen2ForCausalLM lm = Qwen2ForCausalLM.fromPretrained(tinyQwen2());
                NDManager m = NDManager.newBaseManager()) {
            NDArray out = lm.generate(
                    Golden.longs(m, in.get("input_ids")),
                    Golden.longs(m, in.get("attention_mask")),
                    GenerationConfig.greedy(in.get("max_new_tokens").asInt())
                            .withEosTokenId(in.get("eos_token_id").asInt())
                            .withPadTokenId(in.get("pad_token_id").asInt()));
            assertArrayEquals(Golden.longs(m, g.get("generate_left_padded")).toLongArray(), out.toLongArray());
        }
    }

    @Test
    @DisplayName("LoRA: PEFT 0.10's adapter gives its logits and loss; q_proj, v_proj by default saves PEFT's keys")
    void loraAsPeft(@TempDir Path dir) throws Exception {
        JsonNode lora = Golden.read(tinyQwen2().resolve("lora/golden.json"));
        TransformersCausalLm.assertLora(
                () -> Qwen2ForCausalLM.fromPretrained(tinyQwen2()),
                tinyQwen2().resolve("lora"),
                lora.get("inputs"),
                lora.get("peft_logits"),
                lora.get("peft_loss").asDouble(),
                lora.get("print_trainable_parameters").asText(),
                lora.get("adapter_file_keys"),
                dir);
    }

    @Test
    @DisplayName("the shipped Qwen2.5 configs counted without weights: 0.5B, 1.5B and 3B, tied heads")
    void qwen25Counts() {
        long[] expected = {494_032_768L, 1_543_714_304L, 3_085_938_688L};
        String[] ids = {"Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-1.5B", "Qwen/Qwen2.5-3B"};
        for (int i = 0; i < ids.length; i++) {
            Qwen2Config c = Qwen2Config.named(ids[i]);
            assertTrue(c.tieWordEmbeddings(), ids[i]);
            assertEquals(expected[i], ModuleTree.countParameters(new Qwen2ForCausalLM(c)), ids[i]);
        }
    }

    @Test
    @DisplayName("transformers' defaults; the window applies whatever use_sliding_window says, as 4.39's eager mask")
    void configDefaults() {
        Qwen2Config d = Qwen2Config.builder().build();
        assertEquals(4096, d.slidingWindow());
        assertFalse(d.useSlidingWindow());
        assertEquals(28, d.maxWindowLayers());
        assertFalse(d.tieWordEmbeddings());
        assertEquals(32, d.numKeyValueHeads());
        Qwen2Config small = Qwen2Config.named("Qwen/Qwen2.5-0.5B");
        assertEquals(32768, small.slidingWindow());
        assertFalse(small.useSlidingWindow());
    }
}
