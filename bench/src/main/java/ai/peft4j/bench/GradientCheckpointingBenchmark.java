package ai.peft4j.bench;

import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.train.PeftTrainer;
import ai.peft4j.train.StepRecord;
import ai.peft4j.train.TextDataset;
import ai.peft4j.train.TrainingListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Gradient checkpointing against none: LoRA (r 16, q_proj/v_proj) on an opt-125m-shaped model with seeded random
 * weights, fp32, trained by {@code PeftTrainer} with and without {@code gradientCheckpointing(true)}. Each configuration
 * runs in a fresh JVM, so its peak RSS ({@code VmHWM} of /proc/self/status) is its own; the rounds alternate the two,
 * and the medians are printed with the ratios (the goal: peak RSS ≤ 0.5× at ≤ 35% more step time).
 *
 * <p>Run with {@code mvn -B -q -Pbench verify -pl bench -am -DskipTests
 * -Dbench.main=ai.peft4j.bench.GradientCheckpointingBenchmark -Dbench.args="4 512 1 3 2"} (batch, sequence length,
 * warm-up steps, timed steps, rounds; these are the defaults). {@code "2 128 1 2 1"} is a quick check. Offline,
 * without the exec plugin: {@code mvn -o -q -Pbench compile -pl bench -am}, then {@code java -cp
 * bench/target/classes:toolkit/target/classes:<toolkit's runtime classpath> ai.peft4j.bench.GradientCheckpointingBenchmark
 * 2 128 1 2 1}. opt-125m's dropout is 0.1 and a checkpointed step draws its masks per layer, so the two losses
 * differ a little; the tests show the gradients are equal with the same masks.
 */
public final class GradientCheckpointingBenchmark {

    private GradientCheckpointingBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].startsWith("child:")) {
            child(
                    args[0].equals("child:on"),
                    Integer.parseInt(args[1]),
                    Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]));
            return;
        }
        int batch = arg(args, 0, 4);
        int seq = arg(args, 1, 512);
        int warmup = arg(args, 2, 1);
        int timed = arg(args, 3, 3);
        int rounds = arg(args, 4, 2);
        System.out.printf(
                "opt-125m shape, random weights, fp32, LoRA r16 q_proj/v_proj, batch %d x %d, %d warm-up + %d timed"
                        + " steps, %d rounds, %d cores, load average at start %.2f%n",
                batch, seq, warmup, timed, rounds, Runtime.getRuntime().availableProcessors(), loadAverage());
        Map<Boolean, List<Double>> steps = new LinkedHashMap<>();
        Map<Boolean, List<Double>> peaks = new LinkedHashMap<>();
        Map<Boolean, List<Double>> setups = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (boolean on : new boolean[] {false, true}) {
                Map<String, String> kv = launch(on, batch, seq, warmup, timed);
                steps.computeIfAbsent(on, k -> new ArrayList<>()).add(Double.parseDouble(kv.get("step_s")));
                peaks.computeIfAbsent(on, k -> new ArrayList<>()).add(Double.parseDouble(kv.get("vmhwm_kb")));
                setups.computeIfAbsent(on, k -> new ArrayList<>()).add(Double.parseDouble(kv.get("setup_rss_kb")));
                System.out.printf(
                        "round %d checkpointing %-3s: median step %.3f s, peak RSS %.2f GB (%.2f GB after building"
                                + " the model), losses %s%n",
                        r + 1,
                        on ? "on" : "off",
                        Double.parseDouble(kv.get("step_s")),
                        Double.parseDouble(kv.get("vmhwm_kb")) / 1e6 * 1.024,
                        Double.parseDouble(kv.get("setup_rss_kb")) / 1e6 * 1.024,
                        kv.get("losses"));
            }
        }
        double offStep = median(steps.get(false));
        double onStep = median(steps.get(true));
        double offPeak = median(peaks.get(false));
        double onPeak = median(peaks.get(true));
        double setup = median(setups.get(false));
        System.out.printf("checkpointing off: median step %.3f s, peak RSS %.2f GB%n", offStep, offPeak / 1e6 * 1.024);
        System.out.printf("checkpointing on : median step %.3f s, peak RSS %.2f GB%n", onStep, onPeak / 1e6 * 1.024);
        System.out.printf(
                "peak RSS on/off: %.2f (goal <= 0.5); above the built model's RSS: %.2f; step time on/off: %.2f"
                        + " (+%.0f%%, goal <= +35%%); load average at end %.2f%n",
                onPeak / offPeak,
                (onPeak - setup) / (offPeak - setup),
                onStep / offStep,
                100 * (onStep / offStep - 1),
                loadAverage());
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i && !args[i].isBlank() ? Integer.parseInt(args[i].trim()) : fallback;
    }

    /** Runs one configuration in a fresh JVM; parses its {@code KV key=value} line. */
    private static Map<String, String> launch(boolean on, int batch, int seq, int warmup, int timed)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(
                java,
                "-Dai.djl.offline=true",
                "-Xmx2g",
                "-cp",
                System.getProperty("java.class.path"),
                GradientCheckpointingBenchmark.class.getName(),
                on ? "child:on" : "child:off",
                String.valueOf(batch),
                String.valueOf(seq),
                String.valueOf(warmup),
                String.valueOf(timed));
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
                    System.out.println("  [" + (on ? "on" : "off") + "] " + line);
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("run failed (exit " + p.exitValue() + ")");
        }
        return out;
    }

    private static void child(boolean on, int batch, int seq, int warmup, int timed) throws IOException {
        OptConfig config = OptConfig.named("facebook/opt-125m");
        OptForCausalLM lm = OptForCausalLM.fromConfig(config, 42);
        Random rnd = new Random(42);
        List<int[]> seqs = new ArrayList<>();
        for (int i = 0; i < batch * (warmup + timed); i++) {
            int[] ids = new int[seq];
            for (int j = 0; j < seq; j++) {
                ids[j] = 3 + rnd.nextInt(config.vocabSize() - 3);
            }
            seqs.add(ids);
        }
        TextDataset data = TextDataset.ofTokenIds(seqs, config.padTokenId());
        List<Double> times = new ArrayList<>();
        List<String> losses = new ArrayList<>();
        try (PeftModel peft = Peft.lora()
                .r(16)
                .alpha(32)
                .dropout(0.0)
                .targets("q_proj", "v_proj")
                .task(TaskType.CAUSAL_LM)
                .apply(lm)) {
            long setupRss = status("VmRSS");
            long[] last = {System.nanoTime()};
            PeftTrainer trainer = PeftTrainer.builder(peft)
                    .trainData(data)
                    .batchSize(batch)
                    .maxSteps(warmup + timed)
                    .learningRate(1e-4)
                    .shuffle(false)
                    .progressBar(false)
                    .gradientCheckpointing(on)
                    .listener(new TrainingListener() {
                        @Override
                        public void onStep(StepRecord r) {
                            long now = System.nanoTime();
                            if (r.step() > warmup) {
                                times.add((now - last[0]) / 1e9);
                            }
                            losses.add(String.format("%.4f", r.loss()));
                            last[0] = now;
                        }
                    })
                    .build();
            last[0] = System.nanoTime();
            trainer.train();
            trainer.close();
            System.out.printf(
                    "KV step_s=%.4f vmhwm_kb=%d setup_rss_kb=%d losses=%s%n",
                    median(times), status("VmHWM"), setupRss, String.join(",", losses));
        }
    }

    private static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** A {@code kB} field of /proc/self/status (-1 where there is none). */
    private static long status(String field) throws IOException {
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
