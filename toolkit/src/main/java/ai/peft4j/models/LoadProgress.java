package ai.peft4j.models;

import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr while a large checkpoint loads, as transformers shows one over its
 * shards; small checkpoints load silently. The system property {@code peft4j.progress=false} turns
 * it off.
 */
final class LoadProgress implements AutoCloseable {

    /** Checkpoints above this many bytes show a bar. */
    static final long THRESHOLD = 1L << 30;

    private static final LoadProgress NONE = new LoadProgress(null);

    private final ProgressBar bar;
    private long done;

    private LoadProgress(ProgressBar bar) {
        this.bar = bar;
    }

    /** A bar for loading {@code totalBytes} from {@code dir} when they exceed {@code threshold}, else one that does nothing. */
    static LoadProgress start(Path dir, long totalBytes, long threshold) {
        if (totalBytes <= threshold || !Boolean.parseBoolean(System.getProperty("peft4j.progress", "true"))) {
            return NONE;
        }
        return new LoadProgress(new ProgressBarBuilder()
                .setTaskName("Loading " + dir.getFileName())
                .setInitialMax(totalBytes)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit("MB", 1 << 20)
                .showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build());
    }

    void step(long bytes) {
        if (bar != null) {
            done += bytes;
            bar.stepTo(done);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
