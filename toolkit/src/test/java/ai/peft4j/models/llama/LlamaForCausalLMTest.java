package ai.peft4j.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import ai.peft4j.testing.TransformersCausalLm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Llama against {@code reference/tiny_llama}, written by {@code scripts/gpt2_llama_positions_reference.py} with
 * transformers' own LlamaForCausalLM (eager attention, grouped-query) on seeded weights: forward without position
 * ids counts positions 0..T-1, padding or not; a padding query that may see no key spreads its attention over every
 * key, as in transformers; generate counts positions from the mask.
 */
@DisplayName("Llama (LlamaForCausalLM)")
class LlamaForCausalLMTest {

    static Path tinyLlama() {
        try {
            return Path.of(LlamaForCausalLMTest.class
                            .getResource("/reference/tiny_llama/config.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode golden() {
        return Golden.read(tinyLlama().resolve("golden.json"));
    }

    static void assertCase(String name) {
        try (LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(tinyLlama())) {
            TransformersCausalLm.assertCase(lm, golden(), name);
        }
    }

    @Test
    @DisplayName("left padding: positions 0..T-1; logits of real tokens and of pads, and the loss where the last pad "
            + "predicts the first real token, are transformers'; loss(...) gives the same loss")
    void leftPadding() {
        assertCase("left_padded");
    }

    @Test
    @DisplayName("right padding: logits (pads included) and loss are transformers'")
    void rightPadding() {
        assertCase("right_padded");
    }

    @Test
    @DisplayName("a mask that hides tokens inside a row keeps positions 0..T-1, as transformers")
    void gapInMask() {
        assertCase("gap_in_mask");
    }

    @Test
    @DisplayName("explicit position ids are used as given")
    void explicitPositionIds() {
        assertCase("explicit_positions");
    }

    @Test
    @DisplayName("greedy generate on left-padded prompts gives transformers' tokens, EOS and padding included")
    void generateLeftPadded() {
        try (LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(tinyLlama())) {
            TransformersCausalLm.assertGenerate(lm, golden());
        }
    }

    @Test
    @DisplayName("Llama-2-7b counted without weights; PEFT's LoRA line for its default targets (q_proj, v_proj)")
    void llama2Counts() {
        LlamaForCausalLM lm = new LlamaForCausalLM(LlamaConfig.named("meta-llama/Llama-2-7b-hf"));
        assertEquals(6_738_415_616L, ModuleTree.countParameters(lm));
        PeftModel peft = Peft.lora()
                .r(8)
                .alpha(16)
                .dropout(0.05)
                .task(TaskType.CAUSAL_LM)
                .apply(lm);
        assertEquals(
                "trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: 0.06220594176090199",
                peft.getNbTrainableParameters().toString());
    }

    @Test
    @DisplayName("AutoModelForCausalLM picks Llama; save then reload gives the same keys and logits")
    void saveAndReload(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = m.create(new long[] {1, 10, 20, 30}, new Shape(1, 4));
            var lm = AutoModelForCausalLM.fromPretrained(tinyLlama());
            assertInstanceOf(LlamaForCausalLM.class, lm);
            float[] before = lm.forward(ids, null, null).logits().toFloatArray();
            lm.savePretrained(dir);
            try (SafetensorsFile original = SafetensorsFile.open(tinyLlama().resolve("model.safetensors"));
                    SafetensorsFile saved = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                assertEquals(new TreeSet<>(original.names()), new TreeSet<>(saved.names()), "transformers' keys");
            }
            try (LlamaForCausalLM again = LlamaForCausalLM.fromPretrained(dir)) {
                assertArrayEquals(
                        before, again.forward(ids, null, null).logits().toFloatArray(), 0f);
            }
            lm.close();
        }
    }

    @Test
    @DisplayName("LoRA trains through it and cached generation equals decoding by hand")
    void loraAndGenerate() {
        try (NDManager m = NDManager.newBaseManager()) {
            PeftModel peft = Peft.lora()
                    .r(4)
                    .targets("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
                    .task(TaskType.CAUSAL_LM)
                    .apply(LlamaForCausalLM.fromPretrained(tinyLlama()));
            assertEquals(2 * 7, peft.trainableParameters().size() / 2, "A and B on 7 modules in 2 layers");
            var lm = (ai.peft4j.PeftModelForCausalLM) peft;
            long[] prompt = {1, 10, 20, 30, 40};
            long[] got = lm.generate(
                            m.create(prompt, new Shape(1, prompt.length)),
                            null,
                            GenerationConfig.greedy(5).withEosTokenId(null))
                    .toLongArray();
            long[] seq = prompt.clone();
            for (int i = 0; i < 5; i++) {
                NDArray logits = lm.forward(m.create(seq, new Shape(1, seq.length)), null, null)
                        .logits();
                seq = Arrays.copyOf(seq, seq.length + 1);
                seq[seq.length - 1] =
                        logits.get(new NDIndex("0, -1, :")).argMax().getLong();
            }
            assertArrayEquals(seq, got);
            peft.close();
        }
    }

    @Test
    @DisplayName("configs that peft4j cannot run are refused with the reason")
    void refusedConfigs() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.builder()
                .set("num_attention_heads", 4)
                .set("num_key_value_heads", 3)
                .build());
        assertTrue(e.getMessage().contains("num_key_value_heads"), e.getMessage());
        ObjectNode scaled = (ObjectNode) new ObjectMapper()
                .readTree("{\"model_type\": \"llama\", \"rope_scaling\": {\"type\": \"su\", \"factor\": 2.0}}");
        e = assertThrows(IllegalArgumentException.class, () -> new LlamaConfig(scaled));
        assertTrue(e.getMessage().contains("rope_scaling"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> LlamaConfig.builder().set("hidden_act", "mish").build());
        assertTrue(e.getMessage().contains("hidden_act"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> LlamaConfig.builder().set("vocab_size", -1).build());
        assertTrue(e.getMessage().contains("vocab_size"), e.getMessage());
    }

    @Test
    @DisplayName("transformers 4.39's LlamaConfig defaults: an untied head and EOS 2 when config.json is silent")
    void defaults() {
        LlamaConfig c = LlamaConfig.builder()
                .set("hidden_size", 16)
                .set("num_attention_heads", 4)
                .set("num_hidden_layers", 1)
                .set("intermediate_size", 8)
                .set("vocab_size", 8)
                .build();
        assertTrue(!c.tieWordEmbeddings(), "LlamaConfig(tie_word_embeddings=False)");
        try (LlamaForCausalLM lm = new LlamaForCausalLM(c)) {
            assertEquals(
                    2 * 8 * 16 + 16 + 4 * 16 * 16 + 3 * 16 * 8 + 2 * 16,
                    ModuleTree.countParameters(lm),
                    "a head of its own");
            assertEquals(Integer.valueOf(2), lm.generationConfig().eosTokenId());
        }
    }
}
