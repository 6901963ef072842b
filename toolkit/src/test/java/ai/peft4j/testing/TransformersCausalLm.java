package ai.peft4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.peft4j.models.CausalLMOutput;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.PreTrainedCausalLM;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks a causal LM against a {@code golden.json} of {@code scripts/gpt2_llama_positions_reference.py}: what
 * transformers' own forward and generate return for the same checkpoint.
 */
public final class TransformersCausalLm {

  /** Logits, on the rows of real tokens and of padding queries alike. */
  public static final double LOGITS_TOL = 1e-4;
  public static final double LOSS_TOL = 1e-5;

  private TransformersCausalLm() {}

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
      float[] expected = Golden.floats(m, c.get("logits")).toFloatArray();
      float[] actual = out.logits().toFloatArray();
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
      double loss = c.get("loss").asDouble();
      assertEquals(loss, out.loss().getFloat(), LOSS_TOL, name + ": loss");
      assertEquals(loss, lm.loss(ps, in, false).getFloat(), LOSS_TOL, name + ": loss(...)");
    }
  }

  /** Greedy {@code generate} on the golden's left-padded prompts gives transformers' tokens. */
  public static void assertGenerate(PreTrainedCausalLM lm, JsonNode golden) {
    JsonNode g = golden.get("generate");
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray out = lm.generate(Golden.longs(m, g.get("input_ids")), Golden.longs(m, g.get("attention_mask")),
          GenerationConfig.greedy(g.get("max_new_tokens").asInt()).withEosTokenId(g.get("eos_token_id").asInt())
              .withPadTokenId(g.get("pad_token_id").asInt()));
      assertArrayEquals(Golden.longs(m, g.get("tokens")).toLongArray(), out.toLongArray(), "generated tokens");
    }
  }
}
