package ai.peft4j.models.gemma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.TransformersCausalLm;
import java.nio.file.Path;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma's own rules: the tied head on disk, the config (head_dim, activation, defaults) and the shipped gemma-2b.
 * Its outputs against transformers and PEFT are in {@code LlamaFamilyReferenceTest}.
 */
@DisplayName("Gemma (GemmaForCausalLM)")
class GemmaForCausalLMTest {

    static Path tinyGemma() {
        return TransformersCausalLm.reference("tiny_gemma");
    }

    @Test
    @DisplayName("the tied head is saved once, under the embedding's key, as transformers saves it")
    void savesTiedHeadOnce(@TempDir Path dir) throws Exception {
        try (GemmaForCausalLM lm = GemmaForCausalLM.fromPretrained(tinyGemma());
                NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[] {2, 10, 20, 30}, new Shape(1, 4));
            float[] before = lm.forward(ids, null, null).logits().toFloatArray();
            lm.savePretrained(dir);
            try (SafetensorsFile original = SafetensorsFile.open(tinyGemma().resolve("model.safetensors"));
                    SafetensorsFile saved = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                assertEquals(new TreeSet<>(original.names()), new TreeSet<>(saved.names()));
            }
            try (GemmaForCausalLM again = GemmaForCausalLM.fromPretrained(dir)) {
                assertArrayEquals(
                        before, again.forward(ids, null, null).logits().toFloatArray(), 0f);
            }
        }
    }

    @Test
    @DisplayName("gemma-2b counted without weights: 2,506,172,416 parameters, head_dim 256, tied head")
    void gemma2bCounts() {
        GemmaConfig c = GemmaConfig.named("google/gemma-2b");
        assertEquals(256, c.headDim());
        assertEquals("gelu_pytorch_tanh", c.mlpActivation(), "4.39 ignores hidden_act 'gelu'");
        assertTrue(c.tieWordEmbeddings());
        assertEquals(2_506_172_416L, ModuleTree.countParameters(new GemmaForCausalLM(c)));
    }

    @Test
    @DisplayName("transformers' defaults; an unknown hidden_activation and bad sizes are refused naming the field")
    void configDefaultsAndRefusals() {
        GemmaConfig d = GemmaConfig.builder().build();
        assertEquals(256, d.headDim());
        assertEquals(0, d.padTokenId());
        assertEquals(1, d.defaultEosTokenId());
        assertTrue(d.tieWordEmbeddings());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> GemmaConfig.builder().set("hidden_activation", "mish").build());
        assertTrue(
                e.getMessage().contains("hidden_activation") && e.getMessage().contains("mish"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> GemmaConfig.builder().set("head_dim", 0).build());
        assertTrue(e.getMessage().contains("head_dim"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GemmaConfig.builder()
                .set("hidden_size", 10)
                .set("num_attention_heads", 4)
                .build());
        assertTrue(e.getMessage().contains("hidden_size"), e.getMessage());
    }
}
