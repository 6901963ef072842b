package ai.peft4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.testing.Golden;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("generate: greedy and sampled continuation")
class GenerationTest {

    /** The first golden prompt (all attended): [2, 10, 20, 30, 40, 50, 60, 5]. */
    static long[] prompt() {
        JsonNode ids = Golden.read(Golden.tinyOpt().resolve("golden_base.json"))
                .get("inputs")
                .get("input_ids")
                .get(0);
        long[] out = new long[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i).asLong();
        }
        return out;
    }

    /** The index of the largest golden logit at the last position of row 0 of {@code logits}. */
    static int goldenNextToken(JsonNode logits) {
        JsonNode last = logits.get(0).get(logits.get(0).size() - 1);
        float[] row = new float[last.size()];
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) last.get(i).asDouble();
        }
        int best = 0; // the first index of the largest value, as torch.argmax
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Greedy decoding written out: forward the whole sequence, append the argmax, repeat. */
    static long[] manualGreedy(java.util.function.Function<NDArray, NDArray> logitsOf, NDManager m, long[] ids, int n) {
        long[] seq = ids.clone();
        for (int i = 0; i < n; i++) {
            NDArray logits = logitsOf.apply(m.create(seq, new Shape(1, seq.length)));
            long next = logits.get(new NDIndex("0, -1, :")).argMax().getLong();
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = next;
        }
        return seq;
    }

    @Test
    @DisplayName("greedy: the first token is transformers' argmax, the rest equal decoding by hand")
    void greedy() {
        try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt());
                NDManager m = NDManager.newBaseManager()) {
            long[] p = prompt();
            NDArray out = lm.generate(
                    m.create(p, new Shape(1, p.length)),
                    null,
                    GenerationConfig.greedy(6).withEosTokenId(null));
            long[] got = out.toLongArray();
            assertEquals(new Shape(1, p.length + 6), out.getShape());
            assertEquals(
                    goldenNextToken(Golden.read(Golden.tinyOpt().resolve("golden_base.json"))
                            .get("logits")),
                    got[p.length],
                    "first new token = argmax of transformers' logits");
            assertArrayEquals(manualGreedy(x -> lm.forward(x, null, null).logits(), m, p, 6), got);
        }
    }

    @Test
    @DisplayName("the key/value cache: later steps run only the new token and give the full forward's logits")
    void cache() {
        try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt());
                NDManager m = NDManager.newBaseManager();
                KeyValueCache cache = new KeyValueCache(lm, m)) {
            long[] p = prompt();
            long[] longer = Arrays.copyOf(p, p.length + 1);
            longer[p.length] = 17;
            NDArray first = cache.apply(m.create(p, new Shape(1, p.length)), m.ones(new Shape(1, p.length)));
            assertEquals(p.length, cache.pastLength(), "the prompt is cached");
            NDArray second =
                    cache.apply(m.create(longer, new Shape(1, longer.length)), m.ones(new Shape(1, longer.length)));
            assertEquals(longer.length, cache.pastLength());
            NDArray full = lm.forward(m.create(longer, new Shape(1, longer.length)), null, null)
                    .logits();
            assertTrue(full.get(new NDIndex("0, -1, :")).allClose(second.get(0), 1e-5, 1e-5, false), "step 2");
            assertTrue(full.get(new NDIndex("0, -2, :")).allClose(first.get(0), 1e-5, 1e-5, false), "step 1");
        }
    }

    @Test
    @DisplayName("a sequence ends at EOS and is then padded; generation stops when all have ended")
    void eosAndPadding() {
        try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt());
                NDManager m = NDManager.newBaseManager()) {
            long[] p = prompt();
            NDArray x = m.create(p, new Shape(1, p.length));
            long[] free = lm.generate(x, null, GenerationConfig.greedy(4).withEosTokenId(null))
                    .toLongArray();
            long firstNew = free[p.length];
            long[] stopped = lm.generate(x, null, GenerationConfig.greedy(4).withEosTokenId((int) firstNew))
                    .toLongArray();
            assertEquals(p.length + 1, stopped.length, "stops right after the EOS token");
            assertEquals(firstNew, stopped[p.length]);

            // Two rows: the second (left-padded copy of a shorter prompt) ends at once; the first runs on.
            long[] shortPrompt = Arrays.copyOfRange(p, 0, 4);
            long[] shortFree = lm.generate(
                            m.create(shortPrompt, new Shape(1, 4)),
                            null,
                            GenerationConfig.greedy(3).withEosTokenId(null))
                    .toLongArray();
            int eos = (int) shortFree[4];
            long[] batch = new long[2 * p.length];
            long[] mask = new long[2 * p.length];
            System.arraycopy(p, 0, batch, 0, p.length);
            Arrays.fill(mask, 0, p.length, 1);
            for (int i = 0; i < p.length; i++) {
                boolean padding = i < p.length - 4;
                batch[p.length + i] = padding ? 1 : shortPrompt[i - (p.length - 4)];
                mask[p.length + i] = padding ? 0 : 1;
            }
            long[] both = lm.generate(
                            m.create(batch, new Shape(2, p.length)),
                            m.create(mask, new Shape(2, p.length)),
                            GenerationConfig.greedy(3).withEosTokenId(eos).withPadTokenId(1))
                    .toLongArray();
            int width = both.length / 2;
            assertEquals(eos, both[width + p.length], "left padding: the short row continues as it does alone");
            for (int i = p.length + 1; i < width; i++) {
                assertEquals(1, both[width + i], "padded after its EOS");
            }
            assertTrue(width == p.length + 3 || both[width - 1] == eos, "ran until the first row ended too");
        }
    }

    @Test
    @DisplayName("sampling: seeded runs repeat; top_k=1 and a tiny top_p are greedy")
    void sampling() {
        try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt());
                NDManager m = NDManager.newBaseManager()) {
            long[] p = prompt();
            NDArray x = m.create(p, new Shape(1, p.length));
            GenerationConfig s =
                    GenerationConfig.sampling(8).withEosTokenId(null).withSeed(3);
            long[] greedy = lm.generate(x, null, GenerationConfig.greedy(8).withEosTokenId(null))
                    .toLongArray();
            assertArrayEquals(
                    lm.generate(x, null, s).toLongArray(),
                    lm.generate(x, null, s).toLongArray());
            assertArrayEquals(greedy, lm.generate(x, null, s.withTopK(1)).toLongArray());
            assertArrayEquals(greedy, lm.generate(x, null, s.withTopP(1e-9)).toLongArray());
        }
    }

    @Test
    @DisplayName("sample() draws only within top_k and top_p, in proportion to the softmax")
    void warpers() {
        float[] logits = {0f, 2f, 1f, -1f, 3f}; // most likely: 4, then 1, then 2
        Random rnd = new Random(1);
        int[] counts = new int[5];
        GenerationConfig topK = GenerationConfig.sampling(1).withTopK(2);
        for (int i = 0; i < 2000; i++) {
            counts[Generation.sample(logits, topK, rnd)]++;
        }
        assertEquals(0, counts[0] + counts[2] + counts[3], "only the two most likely");
        assertEquals(Math.exp(3) / (Math.exp(3) + Math.exp(2)), counts[4] / 2000.0, 0.03);

        // top_p 0.9 over softmax(0, 2, 1, -1, 3) = (.03, .23, .09, .01, .64): keeps 4, 1 and 2.
        Arrays.fill(counts, 0);
        GenerationConfig topP = GenerationConfig.sampling(1).withTopK(0).withTopP(0.9);
        for (int i = 0; i < 2000; i++) {
            counts[Generation.sample(logits, topP, rnd)]++;
        }
        assertEquals(0, counts[0] + counts[3]);
        assertTrue(counts[2] > 0);
        assertNotEquals(0, counts[1]);
    }

    @Test
    @DisplayName(
            "through a PeftModel: LoRA's first token is PEFT's argmax; prompt tuning decodes with its virtual tokens")
    void peft() {
        try (NDManager m = NDManager.newBaseManager()) {
            long[] p = prompt();
            NDArray x = m.create(p, new Shape(1, p.length));
            try (PeftModelForCausalLM lora = PeftModelForCausalLM.fromPretrained(
                    OptForCausalLM.fromPretrained(Golden.tinyOpt()),
                    Golden.tinyOpt().resolve("lora"))) {
                long[] got = lora.generate(x, null, GenerationConfig.greedy(3).withEosTokenId(null))
                        .toLongArray();
                assertEquals(
                        goldenNextToken(Golden.read(Golden.tinyOpt().resolve("lora/golden.json"))
                                .get("peft_logits")),
                        got[p.length]);
                assertArrayEquals(
                        manualGreedy(ids -> lora.forward(ids, null, null).logits(), m, p, 3), got);
            }
            try (PeftModel peft = Peft.promptTuning()
                    .virtualTokens(3)
                    .task(TaskType.CAUSAL_LM)
                    .apply(OptForCausalLM.fromPretrained(Golden.tinyOpt()))) {
                PeftModelForCausalLM prompted = (PeftModelForCausalLM) peft;
                long[] got = prompted.generate(
                                x, null, GenerationConfig.greedy(3).withEosTokenId(null))
                        .toLongArray();
                assertEquals(p.length + 3, got.length, "the virtual tokens are not part of the output");
                assertArrayEquals(
                        manualGreedy(ids -> prompted.forward(ids, null, null).logits(), m, p, 3), got);
            }
        }
    }

    @Test
    @DisplayName("the model's eos and pad ids are the defaults; bad settings are refused with transformers' words")
    void defaultsAndValidation() {
        try (OptForCausalLM lm = OptForCausalLM.fromPretrained(Golden.tinyOpt())) {
            assertEquals(2, lm.generationConfig().eosTokenId());
            assertEquals(1, lm.generationConfig().padTokenId());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenerationConfig.sampling(5)
                .withTopP(0));
        assertTrue(e.getMessage().contains("top_p"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GenerationConfig.sampling(5)
                .withTemperature(0));
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
    }
}
