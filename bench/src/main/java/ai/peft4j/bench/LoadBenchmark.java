package ai.peft4j.bench;

import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.models.opt.OptConfig;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.nn.ModuleTree;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Loading an opt-350m-shaped checkpoint (≈1.3 GB, seeded random weights) with {@code
 * AutoModelForCausalLM.fromPretrained}, next to a plain sequential read of the same file: how far
 * the loader is from the disk. Prints figures; asserts nothing.
 *
 * <p>Usage: {@code mvn -B -q -Pbench verify -pl bench -am -DskipTests} (optionally {@code
 * -Dbench.args=/some/dir} to keep the checkpoint between runs).
 */
public final class LoadBenchmark {

    private LoadBenchmark() {}

    public static void main(String[] args) throws IOException {
        boolean keep = args.length > 0 && !args[0].isBlank();
        Path dir = keep ? Path.of(args[0]) : Files.createTempDirectory("peft4j-bench-opt350m");
        try {
            Path file = dir.resolve("model.safetensors");
            if (!Files.exists(file)) {
                long t0 = System.nanoTime();
                try (OptForCausalLM lm = OptForCausalLM.fromConfig(OptConfig.named("facebook/opt-350m"), 42)) {
                    lm.savePretrained(dir);
                }
                System.out.printf("wrote opt-350m-shaped checkpoint (seeded random weights) in %.1f s%n", seconds(t0));
            }
            long bytes = Files.size(file);
            System.out.printf("file: %s, %.2f GB%n", file, bytes / 1e9);

            for (int round = 1; round <= 3; round++) {
                long t0 = System.nanoTime();
                long read = sequentialRead(file);
                double plain = seconds(t0);

                t0 = System.nanoTime();
                long params;
                String loadedRss;
                try (PreTrainedCausalLM lm = AutoModelForCausalLM.fromPretrained(dir)) {
                    params = ModuleTree.countParameters(lm);
                    loadedRss = rss("VmRSS");
                }
                double load = seconds(t0);
                System.out.printf(
                        "round %d: sequential read %.2f s (%.2f GB/s) | fromPretrained %.2f s (%.2f GB/s),"
                                + " %,d parameters, ratio %.2fx | RSS with model %s, after close %s%n",
                        round,
                        plain,
                        read / 1e9 / plain,
                        load,
                        bytes / 1e9 / load,
                        params,
                        load / plain,
                        loadedRss,
                        rss("VmRSS"));
            }
        } finally {
            if (!keep) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static long sequentialRead(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 << 20);
        long total = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int n;
            while ((n = ch.read(buf)) >= 0) {
                total += n;
                buf.clear();
            }
        }
        return total;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String rss(String field) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith(field))
                .map(l ->
                        l.replaceAll("\\s+", " ").substring(field.length() + 1).trim())
                .findFirst()
                .orElse("n/a");
    }
}
