package ai.peft4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import java.util.Arrays;
import java.util.Random;

/**
 * Greedy {@code generate} with the key/value cache on an opt-125m-shaped model (fp32, seeded
 * random weights): an 8-token prompt, 32 new tokens, at batch 1 and 8. Prints the median time of
 * several runs and tokens/s (new tokens × batch / time). Generation never stops early: no token is
 * the end of sequence. Prints figures; asserts nothing.
 *
 * <p>Usage: {@code mvn -B -q -Pbench verify -pl bench -am -DskipTests
 * -Dbench.main=ai.peft4j.bench.GenerateBenchmark} (optionally {@code -Dbench.args=7} for the
 * number of timed runs per batch size). {@code bench/generate_transformers.py} times transformers
 * on the same shapes.
 */
public final class GenerateBenchmark {

    private static final int PROMPT = 8;
    private static final int NEW_TOKENS = 32;
    private static final int[] BATCHES = {1, 8};

    private GenerateBenchmark() {}

    public static void main(String[] args) {
        int runs = args.length > 0 && !args[0].isBlank() ? Integer.parseInt(args[0].trim()) : 5;
        // An id outside the vocabulary: every run makes all NEW_TOKENS tokens.
        GenerationConfig greedy =
                GenerationConfig.greedy(NEW_TOKENS).withEosTokenId(-1).withPadTokenId(1);
        try (OptForCausalLM lm = OptForCausalLM.fromConfig(OptConfig.named("facebook/opt-125m"), 42);
                NDManager m = NDManager.newBaseManager()) {
            lm.eval();
            Random rnd = new Random(7);
            double[][] seconds = new double[BATCHES.length][runs];
            NDArray[] prompts = new NDArray[BATCHES.length];
            for (int i = 0; i < BATCHES.length; i++) {
                long[] ids = new long[BATCHES[i] * PROMPT];
                for (int j = 0; j < ids.length; j++) {
                    ids[j] = 3 + rnd.nextInt(50000);
                }
                prompts[i] = m.create(ids, new Shape(BATCHES[i], PROMPT));
                lm.generate(prompts[i], null, greedy).close(); // warm-up
            }
            // Batch sizes alternate run by run, so a busy moment of the machine hits both alike.
            for (int r = 0; r < runs; r++) {
                for (int i = 0; i < BATCHES.length; i++) {
                    long t0 = System.nanoTime();
                    NDArray out = lm.generate(prompts[i], null, greedy);
                    seconds[i][r] = (System.nanoTime() - t0) / 1e9;
                    if (out.getShape().get(1) != PROMPT + NEW_TOKENS) {
                        throw new IllegalStateException("generated " + out.getShape());
                    }
                    out.close();
                }
            }
            for (int i = 0; i < BATCHES.length; i++) {
                double[] s = seconds[i].clone();
                Arrays.sort(s);
                double median = s[s.length / 2];
                System.out.printf(
                        "peft4j greedy generate, opt-125m shape, batch %d, %d + %d tokens: median %.3f s"
                                + " (min %.3f, max %.3f, %d runs), %.1f tokens/s%n",
                        BATCHES[i],
                        PROMPT,
                        NEW_TOKENS,
                        median,
                        s[0],
                        s[s.length - 1],
                        runs,
                        BATCHES[i] * NEW_TOKENS / median);
            }
        }
    }
}
