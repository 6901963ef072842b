package ai.peft4j.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.TransformersCausalLm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Llama's {@code rope_scaling} against {@code reference/tiny_llama_rope}, written by {@code
 * scripts/llama_family_reference.py}: one checkpoint (head_dim 16) and, per scaling type, what transformers' own
 * LlamaForCausalLM computes with it (linear and dynamic as 4.39; llama3 as transformers 4.43+, 4.39 has none).
 */
@DisplayName("Llama rope_scaling: linear, dynamic, llama3")
class LlamaRopeScalingTest {

    static Path tinyLlamaRope() {
        return TransformersCausalLm.reference("tiny_llama_rope");
    }

    static LlamaForCausalLM load(JsonNode variant) {
        LlamaForCausalLM lm = new LlamaForCausalLM(new LlamaConfig((ObjectNode) variant.get("config")));
        lm.loadWeights(tinyLlamaRope());
        return lm;
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) new ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"linear", "dynamic", "llama3"})
    @DisplayName("left and right padding, and greedy generate past the scaled positions, as transformers")
    void asTransformers(String type) {
        JsonNode variant = Golden.read(tinyLlamaRope().resolve("golden.json"))
                .get("variants")
                .get(type);
        assertEquals(type, load(variant).config().ropeScaling().type());
        for (String name : new String[] {"left_padded", "right_padded"}) {
            try (LlamaForCausalLM lm = load(variant)) {
                TransformersCausalLm.assertCase(lm, variant, name);
            }
        }
        try (LlamaForCausalLM lm = load(variant)) {
            TransformersCausalLm.assertGenerate(lm, variant);
        }
    }

    @Test
    @DisplayName("the scaling changes the frequencies as its type says")
    void frequencies() {
        float[] plain = RopeScaling.defaultInvFreq(16, 10000f);
        RopeScaling linear = RopeScaling.parse(json("{\"type\": \"linear\", \"factor\": 2.0}"));
        assertArrayEquals(plain, linear.invFreq(16, 10000, 0, 64), "linear divides the positions instead");
        assertEquals(2.0, linear.positionDivisor());
        RopeScaling dynamic = RopeScaling.parse(json("{\"type\": \"dynamic\", \"factor\": 2.0}"));
        assertArrayEquals(
                plain, dynamic.invFreq(16, 10000, 64, 64), "dynamic: unchanged up to max_position_embeddings");
        assertTrue(dynamic.invFreq(16, 10000, 65, 64)[7] < plain[7], "dynamic: a larger base past it");
        RopeScaling llama3 = RopeScaling.parse(json("{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": "
                + "1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64}"));
        float[] l3 = llama3.invFreq(16, 10000, 0, 128);
        assertEquals(plain[0], l3[0], "short wavelengths kept");
        assertEquals(plain[7] / 8, l3[7], 1e-12, "long wavelengths divided by factor");
        assertTrue(l3[1] < plain[1] && l3[1] > plain[1] / 8, "in between: blended");
    }

    @Test
    @DisplayName("Llama-3.2-1B counted without weights, and PEFT's quicktour line for LoRA r 8 on q_proj")
    void llama32Counts() {
        LlamaConfig c = LlamaConfig.named("meta-llama/Llama-3.2-1B");
        assertEquals("llama3", c.ropeScaling().type());
        assertTrue(c.tieWordEmbeddings());
        LlamaForCausalLM lm = new LlamaForCausalLM(c);
        assertEquals(1_235_814_400L, ModuleTree.countParameters(lm));
        PeftModel peft =
                Peft.lora().r(8).targets("q_proj").task(TaskType.CAUSAL_LM).apply(lm);
        // the quicktour prints trainable%: 0.0424; PEFT 0.10 prints the full-precision percentage
        assertEquals(
                "trainable params: 524,288 || all params: 1,236,338,688 || trainable%: 0.04240650277215947",
                peft.getNbTrainableParameters().toString());
    }

    @Test
    @DisplayName("rope_scaling: null, absent or 'default' is plain; unknown types and missing parameters are refused")
    void parsing() {
        assertNull(new LlamaConfig(json("{\"model_type\": \"llama\", \"rope_scaling\": null}")).ropeScaling());
        assertNull(RopeScaling.parse(json("{\"rope_type\": \"default\"}")));
        assertEquals(
                "linear",
                RopeScaling.parse(json("{\"type\": \"linear\", \"factor\": 4}")).type());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new LlamaConfig(json("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"yarn\", "
                        + "\"factor\": 4.0}}")));
        assertTrue(
                e.getMessage().contains("rope_scaling")
                        && e.getMessage().contains("yarn")
                        && e.getMessage().contains("llama3"),
                e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> RopeScaling.parse(json("{\"rope_type\": \"llama3\", \"factor\": 8.0}")));
        assertTrue(e.getMessage().contains("low_freq_factor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RopeScaling.parse(json("{\"type\": \"linear\"}")));
        assertTrue(e.getMessage().contains("factor"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> RopeScaling.parse(json("{\"type\": \"dynamic\", \"factor\": 0.5}")));
        assertTrue(e.getMessage().contains("factor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RopeScaling.parse(json("{\"factor\": 2.0}")));
        assertTrue(e.getMessage().contains("rope_type"), e.getMessage());
    }
}
