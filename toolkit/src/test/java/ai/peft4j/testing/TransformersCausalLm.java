package ai.peft4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.config.TaskType;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Checks a causal LM against a {@code golden.json} of {@code scripts/gpt2_llama_positions_reference.py}: what
 * transformers' own forward and generate return for the same checkpoint.
 */
public final class TransformersCausalLm {

    /** Logits, on the rows of real tokens and of padding queries alike. */
    public static final double LOGITS_TOL = 1e-4;

    public static final double LOSS_TOL = 1e-5;

    private TransformersCausalLm() {}

    /** The folder {@code reference/<name>} of the test resources (a checkpoint and its {@code golden.json}). */
    public static Path reference(String name) {
        try {
            return Path.of(TransformersCausalLm.class
                            .getResource("/reference/" + name + "/config.json")
                            .toURI())
                    .getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs {@code cases.<name>} (its mask, labels and, where given, position ids) through {@code forward} and
     * {@code loss}, and asserts the logits of real tokens, the logits of padding queries and the loss.
     */
    public static void assertCase(PreTrainedCausalLM lm, JsonNode golden, String name) {
        JsonNode c = golden.get("cases").get(name);
        JsonNode inputs = c.get("inputs");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mask = Golden.longs(m, inputs.get("attention_mask"));
            NDArray labels = Golden.longs(m, inputs.get("labels"));
            LmInputs in = LmInputs.of(Golden.longs(m, inputs.get("input_ids")), mask, labels);
            if (inputs.has("position_ids")) {
                in = in.withPositionIds(Golden.longs(m, inputs.get("position_ids")));
            }
            ParameterStore ps = new ParameterStore(m, false);
            CausalLMOutput out = lm.forward(ps, in, false);
            assertLogits(name, Golden.floats(m, c.get("logits")), out.logits(), mask);
            double loss = c.get("loss").asDouble();
            assertEquals(loss, out.loss().getFloat(), LOSS_TOL, name + ": loss");
            assertEquals(loss, lm.loss(ps, in, false).getFloat(), LOSS_TOL, name + ": loss(...)");
        }
    }

    /** Logits {@code (B, T, V)} within {@link #LOGITS_TOL} on the rows of real tokens and of padding queries alike. */
    public static void assertLogits(String name, NDArray expectedLogits, NDArray actualLogits, NDArray mask) {
        float[] expected = expectedLogits.toFloatArray();
        float[] actual = actualLogits.toFloatArray();
        assertEquals(expected.length, actual.length, name + ": logits size");
        long[] attended = mask.toLongArray();
        int vocab = expected.length / attended.length;
        double real = 0;
        double padding = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (attended[i / vocab] == 1) {
                real = Math.max(real, d);
            } else {
                padding = Math.max(padding, d);
            }
        }
        assertTrue(real <= LOGITS_TOL, name + ": logits of real tokens differ by " + real);
        assertTrue(padding <= LOGITS_TOL, name + ": logits of padding queries differ by " + padding);
    }

    /**
     * PEFT 0.10's LoRA against peft4j's. The adapter PEFT saved in {@code adapterDir}, loaded onto {@code base.get()},
     * gives PEFT's logits and loss on {@code inputs}; and peft4j's LoRA with the model type's default targets (rank and
     * alpha as in the adapter) prints PEFT's parameter line and saves exactly PEFT's file keys, with their shapes.
     */
    public static void assertLora(
            Supplier<PreTrainedCausalLM> base,
            Path adapterDir,
            JsonNode inputs,
            JsonNode expectedLogits,
            double expectedLoss,
            String printed,
            JsonNode fileKeys,
            Path scratch)
            throws java.io.IOException {
        try (NDManager m = NDManager.newBaseManager();
                PeftModel peft = PeftModel.fromPretrained(base.get(), adapterDir)) {
            NDArray mask = Golden.longs(m, inputs.get("attention_mask"));
            CausalLMOutput out = ((PeftModelForCausalLM) peft)
                    .forward(Golden.longs(m, inputs.get("input_ids")), mask, Golden.longs(m, inputs.get("labels")));
            assertLogits("LoRA", Golden.floats(m, expectedLogits), out.logits(), mask);
            assertEquals(expectedLoss, out.loss().getFloat(), LOSS_TOL, "LoRA loss");
        }
        JsonNode config = Golden.read(adapterDir.resolve("adapter_config.json"));
        try (PeftModel mine = Peft.lora()
                .r(config.get("r").asInt())
                .alpha(config.get("lora_alpha").asInt())
                .task(TaskType.CAUSAL_LM)
                .apply(base.get())) {
            assertEquals(printed, mine.getNbTrainableParameters().toString());
            mine.savePretrained(scratch);
            Map<String, String> saved = new TreeMap<>();
            try (SafetensorsFile f = SafetensorsFile.open(scratch.resolve("adapter_model.safetensors"))) {
                for (String name : f.names()) {
                    saved.put(name, java.util.Arrays.toString(f.info(name).shape()));
                }
            }
            Map<String, String> expected = new TreeMap<>();
            fileKeys.fields()
                    .forEachRemaining(e ->
                            expected.put(e.getKey(), e.getValue().toString().replace(",", ", ")));
            assertEquals(expected, saved, "PEFT's adapter file keys and shapes");
        }
    }

    /** Greedy {@code generate} on the golden's left-padded prompts gives transformers' tokens. */
    public static void assertGenerate(PreTrainedCausalLM lm, JsonNode golden) {
        JsonNode g = golden.get("generate");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray out = lm.generate(
                    Golden.longs(m, g.get("input_ids")),
                    Golden.longs(m, g.get("attention_mask")),
                    GenerationConfig.greedy(g.get("max_new_tokens").asInt())
                            .withEosTokenId(g.get("eos_token_id").asInt())
                            .withPadTokenId(g.get("pad_token_id").asInt()));
            assertArrayEquals(Golden.longs(m, g.get("tokens")).toLongArray(), out.toLongArray(), "generated tokens");
        }
    }
}
