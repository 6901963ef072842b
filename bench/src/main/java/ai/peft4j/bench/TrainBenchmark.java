package ai.peft4j.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.LmInputs;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.GradMode;
import ai.peft4j.nn.IntraOpThreads;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.train.AdamW;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Training throughput on an opt-125m-shaped model (seeded random weights, fp32, CPU or the
 * engine's default device): LoRA (r=16, alpha=32, q_proj + v_proj, dropout 0) against full
 * fine-tuning, batch 4 × 128 tokens, with AdamW (lr 1e-4, no weight decay) as {@code PeftTrainer}
 * runs it (one {@link GradientCollector}, {@code loss(...)}, backward, {@link AdamW#step}). Prints
 * the median step time, tokens/s, the model FLOP rate as a fraction of a 2048³ fp32 matmul through
 * the same engine, peak RSS (VmHWM) per mode, and the inference overhead of an unmerged LoRA
 * against the same adapter merged into the weights. Asserts nothing.
 *
 * <p>Each mode runs in its own JVM (this class, relaunched with the mode as argument) so that peak
 * RSS belongs to that mode alone.
 *
 * <p>Usage: {@code mvn -B -q -Pbench verify -pl bench -am -DskipTests
 * -Dbench.main=ai.peft4j.bench.TrainBenchmark} (optionally {@code -Dbench.args="warmup timed"},
 * default {@code "3 10"}). {@code bench/vs-peft.sh} runs this next to real transformers + PEFT ({@code bench/peft_bench.py}) and {@code
 * bench/torch_lora_step.py}, interleaved, and prints medians and ratios; {@code profile-lora} / {@code profile-full}
 * write a libtorch profiler trace of one step ({@code bench/profile_summary.py} sums it).
 */
public final class TrainBenchmark {

    static final int BATCH = 4;
    static final int SEQ = 128;
    static final long SEED = 42;
    static final double LR = 1e-4;

    private TrainBenchmark() {}

    public static void main(String[] args) throws Exception {
        List<String> a = new ArrayList<>();
        for (String s : args) {
            a.addAll(Arrays.asList(s.trim().split("\\s+")));
        }
        a.removeIf(String::isBlank);
        if (!a.isEmpty() && !a.get(0).matches("\\d+")) {
            String mode = a.get(0);
            int warmup = a.size() > 1 ? Integer.parseInt(a.get(1)) : 3;
            int timed = a.size() > 2 ? Integer.parseInt(a.get(2)) : 10;
            child(mode, warmup, timed);
            return;
        }
        int warmup = !a.isEmpty() ? Integer.parseInt(a.get(0)) : 3;
        int timed = a.size() > 1 ? Integer.parseInt(a.get(1)) : 10;
        System.out.printf(
                "opt-125m-shaped (random weights), fp32, batch %d x %d tokens, %d warm-up + %d"
                        + " timed steps, %d CPU(s), engine %s %s%n",
                BATCH,
                SEQ,
                warmup,
                timed,
                Runtime.getRuntime().availableProcessors(),
                Engine.getInstance().getEngineName(),
                Engine.getInstance().getVersion());
        Map<String, String> gemm = launch("gemm", warmup, timed);
        Map<String, String> lora = launch("lora", warmup, timed);
        Map<String, String> full = launch("full", warmup, timed);
        Map<String, String> infer = launch("infer", warmup, timed);
        double ceiling = d(gemm, "gflops");
        System.out.printf("GEMM ceiling: 2048^3 fp32 matmul %.1f GFLOP/s (median of %s)%n", ceiling, gemm.get("reps"));
        for (Map<String, String> r : List.of(lora, full)) {
            System.out.printf(
                    "%-5s: trainable %,d of %,d | median step %.3f s | %.0f tokens/s | model"
                            + " %.1f GFLOP/s = %.0f%% of GEMM ceiling | peak RSS %.2f GB | loss %s -> %s%n",
                    r.get("mode"),
                    Long.parseLong(r.get("trainable")),
                    Long.parseLong(r.get("params")),
                    d(r, "step_s"),
                    d(r, "tokens_per_s"),
                    d(r, "gflops"),
                    100 * d(r, "gflops") / ceiling,
                    d(r, "vmhwm_kb") / 1e6 * 1.024,
                    r.get("loss_first"),
                    r.get("loss_last"));
        }
        System.out.printf("peak RSS LoRA/full: %.2f (target <= 0.5)%n", d(lora, "vmhwm_kb") / d(full, "vmhwm_kb"));
        System.out.printf(
                "inference (batch %d x %d, no grad): unmerged LoRA %.4f s, merged %.4f s,"
                        + " overhead %.1f%% (target <= 5%%)%n",
                BATCH, SEQ, d(infer, "unmerged_s"), d(infer, "merged_s"), 100 * d(infer, "overhead"));
        System.out.printf(
                "RESULT lora_tokens_per_s=%.1f full_tokens_per_s=%.1f%n",
                d(lora, "tokens_per_s"), d(full, "tokens_per_s"));
    }

    private static double d(Map<String, String> m, String k) {
        return Double.parseDouble(m.get(k));
    }

    /** Runs this class in a fresh JVM for {@code mode}; parses its {@code key=value} lines. */
    private static Map<String, String> launch(String mode, int warmup, int timed)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(
                java,
                "-Dai.djl.offline=true",
                "-Xmx6g",
                "-cp",
                System.getProperty("java.class.path"),
                TrainBenchmark.class.getName(),
                mode,
                String.valueOf(warmup),
                String.valueOf(timed)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Map<String, String> out = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("KV ")) {
                    for (String kv : line.substring(3).trim().split("\\s+")) {
                        int eq = kv.indexOf('=');
                        out.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                } else {
                    System.out.println("  [" + mode + "] " + line);
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException(mode + " run failed (exit " + p.exitValue() + ")");
        }
        return out;
    }

    // ---------------------------------------------------------------- child processes

    private static void child(String mode, int warmup, int timed) throws IOException {
        switch (mode) {
            case "gemm" -> gemm(warmup, timed);
            case "lora", "full" -> train(mode, warmup, timed, null);
            case "profile-lora", "profile-full" -> train(mode.substring(8), warmup, timed, Path.of(mode + ".json"));
            case "infer" -> infer(warmup, timed);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    private static void gemm(int warmup, int timed) {
        IntraOpThreads.configure(); // the ceiling with the thread count the training runs use
        int n = 2048;
        try (NDManager m = NDManager.newBaseManager();
                GradMode.Scope off = GradMode.off()) {
            m.getEngine().setRandomSeed(1);
            NDArray x = m.randomNormal(new Shape(n, n));
            NDArray y = m.randomNormal(new Shape(n, n));
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < warmup + timed; i++) {
                try (NDManager s = m.newSubManager()) {
                    long t0 = System.nanoTime();
                    NDArray z = x.matMul(y);
                    z.attach(s);
                    z.getFloat(0, 0); // forces completion on asynchronous devices
                    double t = (System.nanoTime() - t0) / 1e9;
                    if (i >= warmup) {
                        times.add(t);
                    }
                }
            }
            double med = median(times);
            System.out.printf(
                    "KV gflops=%.3f reps=%d threads=%d%n",
                    2.0 * n * n * n / med / 1e9, timed, JniUtils.getNumThreads());
        }
    }

    private static NDArray[] batch(NDManager m, long vocab, Random rnd) {
        long[] ids = new long[BATCH * SEQ];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 3 + rnd.nextInt((int) vocab - 3);
        }
        NDArray input = m.create(ids, new Shape(BATCH, SEQ));
        NDArray mask = m.ones(new Shape(BATCH, SEQ), DataType.INT64);
        return new NDArray[] {input, mask, input.duplicate()};
    }

    private static PeftModel lora(OptForCausalLM lm) {
        return Peft.lora()
                .r(16)
                .alpha(32)
                .dropout(0.0)
                .targets("q_proj", "v_proj")
                .task(TaskType.CAUSAL_LM)
                .apply(lm);
    }

    /**
     * Trains and prints the figures; with {@code profile} not null, the last step runs under libtorch's profiler (op
     * shapes recorded) and its Chrome trace goes to that file ({@code bench/profile_summary.py} sums it by op).
     */
    private static void train(String mode, int warmup, int timed, Path profile) throws IOException {
        IntraOpThreads.configure(); // as PeftTrainer
        OptConfig config = OptConfig.named("facebook/opt-125m");
        OptForCausalLM lm = OptForCausalLM.fromConfig(config, SEED);
        PeftModel peft = mode.equals("lora") ? lora(lm) : null;
        Map<String, Parameter> params = new LinkedHashMap<>();
        ModuleTree.uniqueParameters(peft != null ? peft : lm).forEach((k, p) -> {
            if (p.requiresGradient()) {
                params.put(k, p);
            }
        });
        long all = ModuleTree.countParameters(lm);
        long trainable =
                params.values().stream().mapToLong(p -> p.getArray().size()).sum();
        // Matmul weights (linear layers and the tied lm_head); embeddings lookups and norms are noise.
        long matmul = 0;
        for (Map.Entry<String, Parameter> e : ModuleTree.uniqueParameters(lm).entrySet()) {
            String k = e.getKey();
            if (k.endsWith("proj.weight")
                    || k.endsWith("fc1.weight")
                    || k.endsWith("fc2.weight")
                    || k.endsWith("embed_tokens.weight")
                    || k.endsWith("lora_A.default.weight")
                    || k.endsWith("lora_B.default.weight")) {
                matmul += e.getValue().getArray().size();
            }
        }
        long tokens = (long) BATCH * SEQ;
        int layers = config.numHiddenLayers();
        int hidden = config.hiddenSize();
        // Forward: 2·N·T for the weights plus 2·2·T·S·H per layer for scores and context. Backward of
        // the activations doubles it; weight gradients (full fine-tuning) add another forward's worth.
        double fwd = 2.0 * matmul * tokens + 4.0 * layers * tokens * SEQ * hidden;
        double flops = mode.equals("full") ? 3 * fwd : 2 * fwd;
        List<Double> times = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        Engine engine = Engine.getInstance();
        try (NDManager root = NDManager.newBaseManager();
                AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.0, Set.of(), root)) {
            Random rnd = new Random(SEED);
            for (int i = 0; i < warmup + timed; i++) {
                try (NDManager step = root.newSubManager()) {
                    NDArray[] b = batch(step, config.vocabSize(), rnd);
                    engine.setRandomSeed((int) (SEED + i));
                    boolean profiled = profile != null && i == warmup + timed - 1;
                    if (profiled) {
                        JniUtils.startProfile(false, true, false);
                    }
                    long t0 = System.nanoTime();
                    double c0 = cpuSeconds();
                    double loss;
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        // What PeftTrainer runs: the loss alone, the LM head's cross-entropy in chunks.
                        NDArray l = lm.loss(new ParameterStore(step, false), LmInputs.of(b[0], b[1], b[2]), true);
                        gc.backward(l);
                        loss = l.getFloat();
                    }
                    Map<String, NDArray> grads = new LinkedHashMap<>();
                    for (Map.Entry<String, Parameter> e : params.entrySet()) {
                        NDArray g = e.getValue().getArray().getGradient();
                        g.attach(step);
                        grads.put(e.getKey(), g);
                    }
                    opt.step(params, grads, LR, step);
                    try (GradMode.Scope off = GradMode.off()) {
                        for (NDArray g : grads.values()) {
                            g.subi(g);
                        }
                    }
                    grads.values().iterator().next().getFloat(0, 0);
                    double t = (System.nanoTime() - t0) / 1e9;
                    double c = cpuSeconds() - c0;
                    if (profiled) {
                        JniUtils.stopProfile(profile.toAbsolutePath().toString());
                        System.out.printf("profiled step: %.3f s, trace in %s%n", t, profile.toAbsolutePath());
                    }
                    losses.add(loss);
                    if (i >= warmup) {
                        times.add(t);
                        cpu.add(c);
                    }
                }
            }
        }
        double med = median(times);
        System.out.printf(
                "KV mode=%s params=%d trainable=%d step_s=%.5f tokens_per_s=%.2f gflops=%.3f"
                        + " vmhwm_kb=%d loss_first=%.4f loss_last=%.4f cpu_s=%.3f threads=%d%n",
                mode,
                all,
                trainable,
                med,
                tokens / med,
                flops / med / 1e9,
                status("VmHWM"),
                losses.get(0),
                losses.get(losses.size() - 1),
                median(cpu),
                JniUtils.getNumThreads());
        if (peft != null) {
            peft.close();
        } else {
            lm.close();
        }
    }

    private static void infer(int warmup, int timed) {
        OptConfig config = OptConfig.named("facebook/opt-125m");
        OptForCausalLM lm = OptForCausalLM.fromConfig(config, SEED);
        PeftModel peft = lora(lm);
        // Non-zero B, so the adapter does real work (PEFT initialises B to zero).
        try (GradMode.Scope off = GradMode.off()) {
            peft.trainableParameters().forEach((k, p) -> {
                NDArray w = p.getArray();
                ai.peft4j.nn.Weights.copyInto(
                        w, w.getManager().randomNormal(0, 0.02f, w.getShape(), w.getDataType(), w.getDevice()));
            });
        }
        // Rounds alternate unmerged and merged (mergeAdapter / unmergeAdapter), so that drifts of a
        // shared machine hit both alike; the overhead is the median of the per-round ratios.
        List<Double> unmerged = new ArrayList<>();
        List<Double> merged = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager()) {
            NDArray[] b = batch(root, config.vocabSize(), new Random(SEED));
            for (int round = 0; round < warmup + timed; round++) {
                double u = forwardTime(lm, root, b, 3);
                peft.mergeAdapter();
                double m = forwardTime(lm, root, b, 3);
                peft.unmergeAdapter();
                if (round >= warmup) {
                    unmerged.add(u);
                    merged.add(m);
                    ratios.add(u / m);
                }
            }
            System.out.printf(
                    "KV unmerged_s=%.6f merged_s=%.6f overhead=%.6f%n",
                    median(unmerged), median(merged), median(ratios) - 1);
        }
        lm.close();
    }

    /** Median time of {@code reps} no-grad forward passes (logits only). */
    private static double forwardTime(OptForCausalLM lm, NDManager root, NDArray[] b, int reps) {
        List<Double> times = new ArrayList<>();
        try (GradMode.Scope off = GradMode.off()) {
            for (int i = 0; i < reps; i++) {
                try (NDManager step = root.newSubManager()) {
                    long t0 = System.nanoTime();
                    NDArray logits = lm.forward(new ParameterStore(step, false), LmInputs.of(b[0], b[1], null), false)
                            .logits();
                    logits.getFloat(0, 0, 0);
                    double t = (System.nanoTime() - t0) / 1e9;
                    logits.close(); // lives on the inputs' manager
                    times.add(t);
                }
            }
        }
        return median(times);
    }

    static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /**
     * CPU seconds (user + system, all threads) this process has used: on a shared machine, the work a step does
     * whatever else runs, where wall time also counts the waits for a core.
     */
    static double cpuSeconds() throws IOException {
        Path p = Path.of("/proc/self/stat");
        if (!Files.exists(p)) {
            return 0;
        }
        String stat = Files.readString(p);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in clock ticks (USER_HZ)
    }

    /** A {@code kB} field of /proc/self/status (-1 where there is none). */
    static long status(String field) throws IOException {
        Path p = Path.of("/proc/self/status");
        if (!Files.exists(p)) {
            return -1;
        }
        for (String line : Files.readAllLines(p)) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
