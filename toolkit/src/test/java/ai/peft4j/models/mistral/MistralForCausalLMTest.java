package ai.peft4j.models.mistral;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.models.CausalMask;
import ai.peft4j.nn.ModuleTree;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Mistral's own rules: the sliding window, the config and the shipped Mistral-7B-v0.1. Its outputs against
 * transformers and PEFT are in {@code LlamaFamilyReferenceTest}.
 */
@DisplayName("Mistral (MistralForCausalLM)")
class MistralForCausalLMTest {

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) new ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @DisplayName("the window as transformers 4.39 masks it: a query sees itself and sliding_window earlier keys")
    void windowOffByOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mask = CausalMask.additive(m.ones(new Shape(1, 6), DataType.INT64), 6, DataType.FLOAT32, 2);
            float[] row5 = mask.get("0, 0, 5").toFloatArray(); // query 5 with window 2: keys 3, 4, 5
            assertArrayEquals(new float[] {-Float.MAX_VALUE, -Float.MAX_VALUE, -Float.MAX_VALUE, 0, 0, 0}, row5, 0f);
            // one new token after 5 cached: the same keys
            NDArray cached = CausalMask.additive(m.ones(new Shape(1, 6), DataType.INT64), 1, DataType.FLOAT32, 2);
            assertArrayEquals(row5, cached.get("0, 0, 0").toFloatArray(), 0f);
        }
    }

    @Test
    @DisplayName("Mistral-7B-v0.1 counted without weights: 7,241,732,096 parameters, window 4096")
    void mistral7bCounts() {
        MistralConfig c = MistralConfig.named("mistralai/Mistral-7B-v0.1");
        assertEquals(4096, c.slidingWindow());
        assertEquals(128, c.headDim());
        assertEquals(7_241_732_096L, ModuleTree.countParameters(new MistralForCausalLM(c)));
    }

    @Test
    @DisplayName("transformers' defaults; a null window is no window; bad sizes are refused naming the field")
    void configDefaultsAndRefusals() {
        MistralConfig d = MistralConfig.builder().build();
        assertEquals(8, d.numKeyValueHeads());
        assertEquals(4096, d.slidingWindow());
        assertEquals(131072, d.maxPositionEmbeddings());
        assertEquals(false, d.tieWordEmbeddings());
        assertNull(new MistralConfig(json("{\"model_type\": \"mistral\", \"sliding_window\": null}")).slidingWindow());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> MistralConfig.builder().set("sliding_window", 0).build());
        assertTrue(e.getMessage().contains("sliding_window"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> MistralConfig.builder().set("intermediate_size", 0).build());
        assertTrue(e.getMessage().contains("intermediate_size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MistralConfig(json("{\"model_type\": \"llama\"}")));
        assertTrue(e.getMessage().contains("model_type"), e.getMessage());
    }
}
