package ai.peft4j.io.hub;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr for large downloads; small files download silently. */
final class DownloadProgress implements AutoCloseable {

    private static final DownloadProgress NONE = new DownloadProgress(null);

    private final ProgressBar bar;

    private DownloadProgress(ProgressBar bar) {
        this.bar = bar;
    }

    /** A bar when {@code size} exceeds {@code threshold}, else one that does nothing. */
    static DownloadProgress start(String name, long size, long already, long threshold) {
        if (size <= threshold || size <= 0) {
            return NONE;
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(name)
                .setInitialMax(size)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit("MB", 1 << 20)
                .showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .startsFrom(already, java.time.Duration.ZERO)
                .build();
        return new DownloadProgress(bar);
    }

    void stepTo(long bytes) {
        if (bar != null) {
            bar.stepTo(bytes);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
