package ai.peft4j.train;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a trainer shows while it trains when {@link TrainingArguments#progressBar()} is on: a
 * terminal progress bar ({@link ProgressBarListener}) unless the host installed another display.
 * A notebook kernel installs its live chart here (peft4j's kernel does it by itself, so do its JJava
 * and IJava adapters), so this package needs no notebook code and JShell or a terminal keep the
 * bar.
 *
 * <pre>{@code
 * TrainingProgress.install(() -> new MyProgressListener());   // every trainer built from now on
 * TrainingProgress.install(null);                             // the terminal progress bar again
 * }</pre>
 */
public final class TrainingProgress {

    private static final Supplier<TrainingListener> BAR = ProgressBarListener::new;
    private static volatile Supplier<? extends TrainingListener> factory = BAR;

    private TrainingProgress() {}

    /**
     * Makes {@code newFactory} create the progress display of each trainer built from now on;
     * {@code null} restores the terminal progress bar. Returns the factory it replaces.
     */
    public static Supplier<? extends TrainingListener> install(Supplier<? extends TrainingListener> newFactory) {
        Supplier<? extends TrainingListener> old = factory;
        factory = newFactory == null ? BAR : newFactory;
        return old;
    }

    /** Whether a host display replaces the terminal progress bar. */
    public static boolean isInstalled() {
        return factory != BAR;
    }

    /** A new progress display: the installed one, or the terminal bar when that one fails to start. */
    static TrainingListener create() {
        try {
            return Objects.requireNonNull(factory.get(), "the progress display factory returned null");
        } catch (RuntimeException e) {
            // a broken host display must not stop training: fall back to the bar
            return BAR.get();
        }
    }
}
