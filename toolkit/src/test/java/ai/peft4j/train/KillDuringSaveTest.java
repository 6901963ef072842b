package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.nn.Parameter;
import ai.peft4j.PeftModel;
import ai.peft4j.io.AtomicFolder;
import ai.peft4j.models.opt.OptForCausalLM;
import ai.peft4j.tuners.lora.LoraConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process that is saving into a folder over and over ({@link KillDuringSaveChild}) at a
 * random moment, 30 times per kind of save (two folders side by side), and then requires that the folder loads as exactly the
 * save that was under way or the one before it, with every file from that same save, and that
 * nothing temporary stays behind once the next save has run.
 */
@DisplayName("A process killed while saving leaves the old save or the new one")
class KillDuringSaveTest {

    static final int TRIALS = 30;
    /** Children run side by side, each saving into its own folder, to keep the test short. */
    static final int LANES = 2;
    /** The parent's own loads and saves run one at a time (one engine, one global generator). */
    static final Object PARENT = new Object();

    /**
     * What a trial saw: the marker of the last save begun, the marker loaded afterwards, and
     * whether the kill fell between the commit and the end of the switch.
     */
    record Trial(long lastBegun, long loaded, boolean midSwitch) {}

    /** One kind of save: how the parent makes the first save (marker 0), loads, and checks a folder. */
    interface Kind {
        void firstSave(Path dir) throws Exception;

        long load(Path dir) throws Exception;

        void checkLeftovers(Path dir) throws Exception;
    }

    @Test
    @DisplayName(
            "PeftModel.savePretrained: the folder loads as the old or the new adapter, both adapters from one save")
    void adapters(@TempDir Path tmp) throws Exception {
        Kind adapter = new Kind() {
            @Override
            public void firstSave(Path dir) throws IOException {
                try (PeftModel a = KillDuringSaveChild.adapter(0)) {
                    KillDuringSaveChild.mark(a, 0);
                    a.savePretrained(dir);
                }
                Files.writeString(dir.resolve("notes.txt"), "the user's own file");
            }

            @Override
            public long load(Path dir) {
                return loadedAdapterMarker(dir);
            }

            @Override
            public void checkLeftovers(Path dir) throws IOException {
                assertNoCommittedLeftovers(dir);
                assertEquals("the user's own file", Files.readString(dir.resolve("notes.txt")));
            }
        };
        Path dir = runTrials(tmp, "adapter", adapter);
        try (PeftModel b = KillDuringSaveChild.adapter(1)) {
            KillDuringSaveChild.mark(b, 1001);
            b.savePretrained(dir);
        }
        assertEquals(
                new TreeSet<>(List.of(
                        "adapter_config.json",
                        "adapter_model.safetensors",
                        "extra/adapter_config.json",
                        "extra/adapter_model.safetensors",
                        "notes.txt")),
                tree(dir),
                "a completed save leaves nothing temporary behind");
        assertEquals(1001, loadedAdapterMarker(dir));
    }

    @Test
    @DisplayName("PeftTrainer.saveCheckpoint over checkpoint-N: adapter and optimizer state come from one save")
    void checkpoints(@TempDir Path tmp) throws Exception {
        Kind checkpoint = new Kind() {
            @Override
            public void firstSave(Path dir) {
                saveCheckpoint(dir, 0);
            }

            @Override
            public long load(Path dir) {
                return loadedCheckpointMarker(dir.resolve("checkpoint-0"));
            }

            @Override
            public void checkLeftovers(Path dir) throws IOException {
                assertNoCommittedLeftovers(dir.resolve("checkpoint-0"));
                try (Stream<Path> s = Files.list(dir)) {
                    assertEquals(List.of(dir.resolve("checkpoint-0")), s.toList(), "only the checkpoint is in " + dir);
                }
            }
        };
        Path dir = runTrials(tmp, "checkpoint", checkpoint);
        saveCheckpoint(dir, 1001);
        Path ckpt = dir.resolve("checkpoint-0");
        assertEquals(
                new TreeSet<>(List.of("adapter_config.json", "adapter_model.safetensors", TrainerCheckpoint.FILE)),
                tree(ckpt),
                "a completed save leaves nothing temporary behind");
        assertEquals(1001, loadedCheckpointMarker(ckpt));
    }

    @Test
    @DisplayName("a folder left halfway through its switch loads as the new save, in every loader")
    void halfSwitched(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("adapter");
        Path newer = tmp.resolve("newer");
        try (PeftModel a = KillDuringSaveChild.adapter(0);
                PeftModel b = KillDuringSaveChild.adapter(1)) {
            KillDuringSaveChild.mark(a, 0);
            a.savePretrained(dir);
            KillDuringSaveChild.mark(b, 1);
            b.savePretrained(newer);
        }
        halfSwitch(
                dir,
                newer,
                List.of("adapter_model.safetensors"),
                List.of("adapter_config.json", "extra/adapter_config.json", "extra/adapter_model.safetensors"));
        assertEquals(1, loadedAdapterMarker(dir), "B's weights with A's config would not even load");
        assertNoCommittedLeftovers(dir);

        Path run = tmp.resolve("run");
        saveCheckpoint(run, 0);
        saveCheckpoint(tmp.resolve("run-newer"), 1);
        halfSwitch(
                run.resolve("checkpoint-0"),
                tmp.resolve("run-newer/checkpoint-0"),
                List.of("adapter_config.json", "adapter_model.safetensors"),
                List.of(TrainerCheckpoint.FILE));
        // resume alone: the trainer state must come from the staged file
        try (PeftModel peft = Tiny.lora(0.0);
                PeftTrainer t = trainer(peft).build()) {
            t.resume(run.resolve("checkpoint-0"));
            assertEquals(1, sameValue(t.trainableParameters().values(), run));
        }
        assertEquals(1, loadedCheckpointMarker(run.resolve("checkpoint-0")));
    }

    /**
     * Puts {@code dir} in the state a save of {@code newer}'s files leaves when killed after its
     * commit: the files in {@code moved} are in place already, those in {@code staged} still wait in
     * the staging folder that the commit record names.
     */
    static void halfSwitch(Path dir, Path newer, List<String> moved, List<String> staged) throws IOException {
        String staging = AtomicFolder.STAGING_PREFIX + "0123456789abcdef";
        for (String rel : moved) {
            Files.copy(newer.resolve(rel), dir.resolve(rel), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        for (String rel : staged) {
            Path to = dir.resolve(staging).resolve(rel);
            Files.createDirectories(to.getParent());
            Files.copy(newer.resolve(rel), to);
        }
        List<String> all = new ArrayList<>(moved);
        all.addAll(staged);
        Files.writeString(
                dir.resolve(AtomicFolder.RECORD),
                "peft4j-atomic-folder 1\n" + staging + "\n" + String.join("\n", all) + "\n");
    }

    static void saveCheckpoint(Path dir, long marker) {
        try (PeftModel peft = Tiny.lora(0.0);
                PeftTrainer t = trainer(peft).outputDir(dir).build()) {
            t.trainableParameters().values().forEach(p -> KillDuringSaveChild.fill(p, marker));
            assertEquals(dir.resolve("checkpoint-0"), t.saveCheckpoint());
        }
    }

    /**
     * Runs {@link #TRIALS} kill trials of {@code mode}, in {@link #LANES} folders side by side;
     * after each, the folder must load as the save under way or the one before. Returns the first
     * lane's folder.
     */
    static Path runTrials(Path tmp, String mode, Kind kind) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(LANES);
        try {
            List<Future<List<Trial>>> lanes = new ArrayList<>();
            for (int lane = 0; lane < LANES; lane++) {
                Path dir = tmp.resolve(mode + "-lane" + lane);
                Path log = tmp.resolve(mode + "-lane" + lane + ".log");
                Random rnd = new Random(20240611L + lane);
                int trials = TRIALS / LANES + (lane < TRIALS % LANES ? 1 : 0);
                lanes.add(pool.submit(() -> {
                    synchronized (PARENT) {
                        kind.firstSave(dir);
                    }
                    List<Trial> seen = new ArrayList<>();
                    long current = 0;
                    for (int i = 0; i < trials; i++) {
                        long lastBegun = runAndKill(log, mode, dir, current + 1, rnd);
                        boolean midSwitch;
                        try (Stream<Path> files = Files.walk(dir)) {
                            midSwitch = files.anyMatch(
                                    p -> p.getFileName().toString().equals(AtomicFolder.RECORD)
                                            && !dir.relativize(p).toString().contains(AtomicFolder.STAGING_PREFIX));
                        }
                        long loaded;
                        synchronized (PARENT) {
                            loaded = kind.load(dir);
                            assertOldOrNew(current, lastBegun, loaded, dir + " trial " + i);
                            kind.checkLeftovers(dir);
                        }
                        seen.add(new Trial(lastBegun, loaded, midSwitch));
                        current = loaded;
                    }
                    return seen;
                }));
            }
            List<Trial> all = new ArrayList<>();
            for (Future<List<Trial>> lane : lanes) {
                try {
                    all.addAll(lane.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw (Exception) e.getCause();
                }
            }
            assertEquals(TRIALS, all.size());
            long old = all.stream().filter(t -> t.loaded() < t.lastBegun()).count();
            long mid = all.stream().filter(Trial::midSwitch).count();
            System.out.printf(
                    "kill during %s save: %d trials, %d left the old save, %d the new one"
                            + " (%d of them in the middle of the switch)%n",
                    mode, all.size(), old, all.size() - old, mid);
            return tmp.resolve(mode + "-lane0");
        } finally {
            pool.shutdownNow();
        }
    }

    static TrainerBuilder trainer(PeftModel peft) {
        return PeftTrainer.builder(peft)
                .trainData(Tiny.countingData(4, 1))
                .batchSize(2)
                .maxSteps(1)
                .progressBar(false);
    }

    /**
     * Starts a child saving with markers {@code first, first + 1, …}, kills it (SIGKILL) at a random
     * moment after it is ready, and returns the marker of the last save it began, or {@code first -
     * 1} when it began none.
     */
    static long runAndKill(Path log, String mode, Path dir, long first, Random rnd) throws Exception {
        Path out = log.resolveSibling(log.getFileName() + ".out");
        Files.deleteIfExists(out);
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dai.djl.offline=true",
                        "-Xmx256m",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        KillDuringSaveChild.class.getName(),
                        mode,
                        dir.toString(),
                        Long.toString(first))
                .redirectError(log.toFile())
                .redirectOutput(out.toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!childSaid(out).contains("ready")) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    fail("the child did not start:\n" + Files.readString(log));
                }
                Thread.sleep(10);
            }
            Thread.sleep(20 + rnd.nextInt(380));
            assertTrue(p.isAlive(), "the child stopped by itself:\n" + Files.readString(log));
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        // Read from a file once the child is dead: a pipe read by a thread would lose the last line whenever
        // destroyForcibly closes the pipe before the thread has read it, under load.
        long lastBegun = first - 1;
        for (String line : childSaid(out)) {
            if (line.startsWith("begin ")) {
                lastBegun = Long.parseLong(line.substring(6));
            }
        }
        return lastBegun;
    }

    /** The child's complete lines so far. */
    private static List<String> childSaid(Path out) throws IOException {
        String text = Files.readString(out);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
    }

    /** The folder holds the save before the one under way, or that one; never anything older or mixed. */
    static void assertOldOrNew(long before, long lastBegun, long loaded, String trial) {
        Set<Long> allowed = lastBegun < before + 1 ? Set.of(before) : Set.of(lastBegun - 1, lastBegun);
        assertTrue(
                allowed.contains(loaded),
                trial + ": loaded save " + loaded + ", expected one of " + allowed + " (last save begun: " + lastBegun
                        + ")");
    }

    /**
     * Loads the adapter folder as a user would ("default" and the "extra" sub-folder) and returns
     * its marker; the configs' rank and every weight of both adapters must belong to one save.
     */
    static long loadedAdapterMarker(Path dir) {
        try (PeftModel loaded = PeftModel.fromPretrained(OptForCausalLM.fromConfig(Tiny.config(0.0), 1), dir)) {
            loaded.loadAdapter(dir.resolve("extra"), "extra");
            long marker = sameValue(KillDuringSaveChild.loraWeights(loaded).values(), dir);
            int r = marker % 2 == 0 ? 2 : 4;
            assertEquals(r, ((LoraConfig) loaded.peftConfig().get("default")).r(), "rank of save " + marker);
            assertEquals(r, ((LoraConfig) loaded.peftConfig().get("extra")).r(), "rank of save " + marker);
            return marker;
        }
    }

    /** The checkpoint's marker: the adapter and the trainer state must come from the same save. */
    static long loadedCheckpointMarker(Path ckpt) {
        long adapter;
        try (PeftModel loaded = PeftModel.fromPretrained(OptForCausalLM.fromConfig(Tiny.config(0.0), 1), ckpt)) {
            adapter = sameValue(KillDuringSaveChild.loraWeights(loaded).values(), ckpt);
        }
        try (PeftModel peft = Tiny.lora(0.0);
                PeftTrainer t = trainer(peft).build()) {
            t.resume(ckpt);
            assertEquals(
                    adapter,
                    sameValue(t.trainableParameters().values(), ckpt),
                    "the trainer state in " + ckpt + " comes from another save than the adapter");
        }
        return adapter;
    }

    static long sameValue(Collection<Parameter> params, Path where) {
        Set<Float> values = new TreeSet<>();
        for (Parameter p : params) {
            for (float v : p.getArray().toFloatArray()) {
                values.add(v);
            }
        }
        assertEquals(1, values.size(), "weights of more than one save in " + where + ": " + values);
        return values.iterator().next().longValue();
    }

    /**
     * After a load, a save that was committed is complete (no commit record); at most the staging
     * folder of the one save that was killed before its commit remains, which the next save deletes.
     */
    static void assertNoCommittedLeftovers(Path dir) throws IOException {
        assertTrue(!Files.exists(dir.resolve(AtomicFolder.RECORD)), "commit record left in " + dir);
        List<Path> staging;
        try (Stream<Path> s = Files.list(dir)) {
            staging = s.filter(p -> p.getFileName().toString().startsWith(AtomicFolder.STAGING_PREFIX))
                    .toList();
        }
        assertTrue(staging.size() <= 1, "stale staging folders were not cleaned: " + staging);
        for (String rel : tree(dir)) {
            String name = Path.of(rel).getFileName().toString();
            assertTrue(!name.startsWith(".") && !name.endsWith(".tmp"), "temporary file " + rel + " in " + dir);
        }
    }

    /** The files under {@code dir} outside staging folders, relative, sorted. */
    static Set<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .filter(rel -> !rel.startsWith(AtomicFolder.STAGING_PREFIX))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
