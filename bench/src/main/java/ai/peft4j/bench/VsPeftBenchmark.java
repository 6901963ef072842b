package ai.peft4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.IntraOpThreads;
import ai.peft4j.nn.ModuleTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The peft4j side of {@code bench/vs-peft.sh} for the figures {@link TrainBenchmark} does not time, on the shapes
 * {@code bench/peft_bench.py} gives transformers: greedy {@code generate} and {@code fromPretrained}. One mode per
 * process (peak RSS belongs to it); prints one {@code RESULT key=value ...} line. Asserts nothing.
 *
 * <ul>
 *   <li>{@code generate [warmup timed]}: an opt-125m-shaped model (seeded random weights, fp32, evaluation mode),
 *       greedy with the KV cache, an 8-token prompt and 32 new tokens, at batch 1 and batch 8; median seconds.
 *   <li>{@code write DIR}: saves an opt-350m-shaped checkpoint (seeded random weights, ≈1.3 GB safetensors) to
 *       {@code DIR} unless one is there.
 *   <li>{@code load DIR [warmup timed]}: {@code AutoModelForCausalLM.fromPretrained(DIR)}; median seconds.
 * </ul>
 */
public final class VsPeftBenchmark {

    static final int PROMPT = 8;
    static final int NEW_TOKENS = 32;

    private VsPeftBenchmark() {}

    public static void main(String[] args) throws IOException {
        String mode = args[0];
        switch (mode) {
            case "generate" -> generate(intArg(args, 1, 2), intArg(args, 2, 5));
            case "write" -> write(Path.of(args[1]));
            case "load" -> load(Path.of(args[1]), intArg(args, 2, 1), intArg(args, 3, 3));
            default -> throw new IllegalArgumentException("modes: generate, write DIR, load DIR");
        }
    }

    private static int intArg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }

    private static void generate(int warmup, int timed) throws IOException {
        IntraOpThreads.configure();
        double[] med = new double[2];
        int[] batches = {1, 8};
        try (OptForCausalLM lm = OptForCausalLM.fromConfig(OptConfig.named("facebook/opt-125m"), TrainBenchmark.SEED);
                NDManager root = NDManager.newBaseManager()) {
            lm.eval();
            Random rnd = new Random(TrainBenchmark.SEED);
            // -1 is no token id: every row runs to exactly 32 new tokens, as min_new_tokens on the Python side.
            GenerationConfig greedy = GenerationConfig.greedy(NEW_TOKENS).withEosTokenId(-1);
            for (int bi = 0; bi < batches.length; bi++) {
                int batch = batches[bi];
                long[] ids = new long[batch * PROMPT];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = 3 + rnd.nextInt(50272 - 3);
                }
                List<Double> times = new ArrayList<>();
                for (int i = 0; i < warmup + timed; i++) {
                    try (NDManager step = root.newSubManager()) {
                        NDArray input = step.create(ids, new Shape(batch, PROMPT));
                        long t0 = System.nanoTime();
                        NDArray out = lm.generate(input, null, greedy);
                        long[] shape = out.getShape().getShape();
                        double t = (System.nanoTime() - t0) / 1e9;
                        if (shape[1] != PROMPT + NEW_TOKENS) {
                            throw new IllegalStateException("generated " + out.getShape());
                        }
                        if (i >= warmup) {
                            times.add(t);
                        }
                    }
                }
                med[bi] = TrainBenchmark.median(times);
                System.out.printf(
                        "generate batch %d: %d-token prompt, %d new tokens, greedy, KV cache: median %.3f s (%.1f"
                                + " tokens/s)%n",
                        batch, PROMPT, NEW_TOKENS, med[bi], batch * NEW_TOKENS / med[bi]);
            }
        }
        System.out.printf(
                "RESULT mode=generate gen_b1_s=%.5f gen_b8_s=%.5f rss_kb=%d threads=%d%n",
                med[0], med[1], TrainBenchmark.status("VmHWM"), JniUtils.getNumThreads());
    }

    private static void write(Path dir) throws IOException {
        if (Files.exists(dir.resolve("model.safetensors"))) {
            return;
        }
        Files.createDirectories(dir);
        try (OptForCausalLM lm = OptForCausalLM.fromConfig(OptConfig.named("facebook/opt-350m"), TrainBenchmark.SEED)) {
            lm.savePretrained(dir);
        }
        System.out.printf("wrote %s (%.2f GB)%n", dir, Files.size(dir.resolve("model.safetensors")) / 1e9);
    }

    private static void load(Path dir, int warmup, int timed) throws IOException {
        List<Double> times = new ArrayList<>();
        long params = 0;
        for (int i = 0; i < warmup + timed; i++) {
            long t0 = System.nanoTime();
            try (PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(dir)) {
                double t = (System.nanoTime() - t0) / 1e9;
                params = ModuleTree.countParameters(lm);
                if (i >= warmup) {
                    times.add(t);
                }
            }
        }
        double med = TrainBenchmark.median(times);
        System.out.printf("fromPretrained %s: %,d parameters, median %.3f s%n", dir, params, med);
        System.out.printf("RESULT mode=load load_s=%.5f rss_kb=%d%n", med, TrainBenchmark.status("VmHWM"));
    }
}
