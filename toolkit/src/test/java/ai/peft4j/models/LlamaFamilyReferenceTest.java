package ai.peft4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.TransformersCausalLm;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Mistral and Gemma against {@code reference/tiny_mistral} and {@code reference/tiny_gemma}, written by {@code
 * scripts/llama_family_reference.py} with transformers' own models (eager, 4.39's masks) and PEFT 0.10's LoRA:
 * Mistral with grouped-query attention and a sliding window of 3, so the 8-token inputs and the 5 + 6 token
 * generation are windowed; Gemma with multi-query attention, head_dim 8 beside hidden 16 and 4 heads, (1 + w) norms,
 * the sqrt(hidden) embedding scale, GeGLU and a tied head.
 */
@DisplayName("Llama family against transformers: Mistral, Gemma")
class LlamaFamilyReferenceTest {

    static final String FAMILIES = "tiny_mistral, MistralForCausalLM\ntiny_gemma, GemmaForCausalLM";

    static JsonNode golden(String name) {
        return Golden.read(TransformersCausalLm.reference(name).resolve("golden.json"));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(textBlock = FAMILIES)
    @DisplayName("AutoModelForCausalLM picks the class; left and right padding: logits (pads included) and loss")
    void paddedBatches(String name, String cls) {
        try (PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(TransformersCausalLm.reference(name))) {
            assertEquals(cls, lm.getClass().getSimpleName());
            TransformersCausalLm.assertCase(lm, golden(name), "left_padded");
            TransformersCausalLm.assertCase(lm, golden(name), "right_padded");
        }
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(textBlock = FAMILIES)
    @DisplayName("greedy generate with the cache on a left-padded batch gives transformers' tokens")
    void generateLeftPadded(String name, String cls) {
        try (PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(TransformersCausalLm.reference(name))) {
            TransformersCausalLm.assertGenerate(lm, golden(name));
        }
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(textBlock = FAMILIES)
    @DisplayName("LoRA with PEFT's default targets (q_proj, v_proj): PEFT's logits, loss, parameter line and file keys")
    void loraAsPeft(String name, String cls, @TempDir Path dir) throws Exception {
        Path ref = TransformersCausalLm.reference(name);
        JsonNode golden = golden(name);
        JsonNode lora = golden.get("lora");
        TransformersCausalLm.assertLora(
                () -> AutoModelForCausalLM.fromPretrained(ref),
                ref.resolve("lora"),
                golden.get("cases").get("right_padded").get("inputs"),
                lora.get("logits"),
                lora.get("loss").asDouble(),
                lora.get("print_trainable_parameters").asText(),
                lora.get("adapter_file_keys"),
                dir);
    }
}
