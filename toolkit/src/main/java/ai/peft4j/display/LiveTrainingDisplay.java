package ai.peft4j.display;

import ai.peft4j.train.PeftTrainer;
import ai.peft4j.train.StepRecord;
import ai.peft4j.train.TrainResult;
import ai.peft4j.train.TrainingListener;
import ai.peft4j.train.TrainingProgress;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;

/**
 * A trainer's progress in a notebook: one output, created when training begins and redrawn in place
 * every {@code everySteps} steps (and at most once per {@code minInterval}), showing the loss chart
 * as {@code image/png} under a progress line (step, loss, learning rate, tokens/s, ETA), which is
 * also the output's {@code text/plain}. When training ends the output becomes the final chart and
 * the run's summary.
 *
 * <p>peft4j's kernel and notebook runner {@linkplain #install install} it for every trainer whose
 * {@code progressBar} is on, in place of the terminal progress bar; {@link
 * ai.peft4j.display.jupyter.NotebookDisplay#install()} does the same in IJava and JJava, whose
 * kernels can update displays too. In JShell and in a terminal, trainers keep the progress bar.
 *
 * <pre>{@code
 * LiveTrainingDisplay.setDefaults(5, Duration.ofMillis(500));   // redraw more often
 * var result = PeftTrainer.builder(peft).trainData(data).epochs(3).build().train();
 * }</pre>
 */
public final class LiveTrainingDisplay implements TrainingListener {

    /** Steps between redraws unless {@link #setDefaults} says otherwise. */
    public static final int DEFAULT_EVERY_STEPS = 10;

    /** The shortest time between redraws unless {@link #setDefaults} says otherwise. */
    public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofSeconds(1);

    /** The chart's width in pixels. */
    public static final int WIDTH = 720;
    /** The chart's height in pixels. */
    public static final int HEIGHT = 360;

    /** Both defaults in one value, so a display created while they change never mixes old and new. */
    private record Defaults(int everySteps, Duration minInterval) {}

    private static volatile Defaults defaults = new Defaults(DEFAULT_EVERY_STEPS, DEFAULT_MIN_INTERVAL);

    private final LiveOutputs outputs;
    private final int everySteps;
    private final long minIntervalNanos;
    private final LongSupplier clock;

    private PeftTrainer trainer;
    private volatile String displayId; // read by other threads through displayId()
    private long totalSteps;
    private long firstStep;
    private long startNanos;
    private long lastDrawNanos;

    /** A display on {@code outputs} with the current {@linkplain #setDefaults defaults}. */
    public LiveTrainingDisplay(LiveOutputs outputs) {
        this(outputs, defaults);
    }

    private LiveTrainingDisplay(LiveOutputs outputs, Defaults d) {
        this(outputs, d.everySteps(), d.minInterval());
    }

    /**
     * A display on {@code outputs} redrawn every {@code everySteps} steps, but not sooner than
     * {@code minInterval} after the previous redraw (so a fast loop does not flood the notebook).
     */
    public LiveTrainingDisplay(LiveOutputs outputs, int everySteps, Duration minInterval) {
        this(outputs, everySteps, minInterval, System::nanoTime);
    }

    LiveTrainingDisplay(LiveOutputs outputs, int everySteps, Duration minInterval, LongSupplier clock) {
        if (everySteps < 1) {
            throw new IllegalArgumentException("everySteps must be at least 1, got " + everySteps);
        }
        if (minInterval.isNegative()) {
            throw new IllegalArgumentException("minInterval must not be negative, got " + minInterval);
        }
        this.outputs = Objects.requireNonNull(outputs, "outputs");
        this.everySteps = everySteps;
        this.minIntervalNanos = minInterval.toNanos();
        this.clock = clock;
    }

    /**
     * Sets how often displays created from now on redraw: every {@code everySteps} steps, and not
     * sooner than {@code minInterval} after the previous redraw.
     */
    public static void setDefaults(int everySteps, Duration minInterval) {
        if (everySteps < 1 || minInterval.isNegative()) {
            throw new IllegalArgumentException("everySteps must be at least 1 and minInterval not negative, got "
                    + everySteps + ", " + minInterval);
        }
        defaults = new Defaults(everySteps, minInterval);
    }

    /**
     * Makes every trainer built from now on with its progress bar on show a live display on {@code
     * outputs} instead ({@link TrainingProgress}); {@code null} restores the terminal progress bar.
     * Kernels call this; cell code does not need to.
     */
    public static void install(LiveOutputs outputs) {
        TrainingProgress.install(outputs == null ? null : () -> new LiveTrainingDisplay(outputs));
    }

    /** The id of the output this display draws on, once training began; else {@code null}. */
    public String displayId() {
        return displayId;
    }

    @Override
    public void onTrainBegin(PeftTrainer trainer, long totalSteps) {
        this.trainer = trainer;
        this.totalSteps = totalSteps;
        this.firstStep = trainer.globalStep();
        this.startNanos = clock.getAsLong();
        this.lastDrawNanos = startNanos;
        this.displayId = "peft4j-train-" + UUID.randomUUID();
        String line = progressLine(null, firstStep, 0);
        safely(() -> outputs.display(MimeBundle.text(line), displayId));
    }

    @Override
    public void onStep(StepRecord r) {
        if (displayId == null) {
            return;
        }
        long now = clock.getAsLong();
        boolean due = (r.step() - firstStep) % everySteps == 0 || r.step() >= totalSteps;
        if (!due || now - lastDrawNanos < minIntervalNanos) {
            return;
        }
        lastDrawNanos = now;
        String line = progressLine(r, r.step(), now - startNanos);
        safely(() -> outputs.update(chart(trainer.records(), line), displayId));
    }

    @Override
    public void onTrainEnd(TrainResult result) {
        if (displayId == null) {
            return;
        }
        String summary = summary(result);
        safely(() -> outputs.update(chart(trainer.records(), summary), displayId));
        displayId = null;
    }

    @Override
    public void onTrainFailed(RuntimeException error) {
        if (displayId == null) {
            return;
        }
        String summary = String.format(
                Locale.ROOT,
                "training failed at step %d/%d: %s",
                trainer.globalStep(),
                totalSteps,
                error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage());
        safely(() -> outputs.update(chart(trainer.records(), summary), displayId));
        displayId = null;
    }

    /** A display problem (a front end gone, no AWT) must not stop training. */
    private static void safely(Runnable draw) {
        try {
            draw.run();
        } catch (RuntimeException | LinkageError e) {
            // the next redraw tries again
        }
    }

    /** {@code step 20/100 (20%) | loss 1.2345 | lr 2.00e-04 | 1234 tok/s | elapsed 0:03 | ETA 0:12}. */
    String progressLine(StepRecord r, long step, long elapsedNanos) {
        StringBuilder sb = new StringBuilder("step ").append(step).append('/').append(totalSteps);
        if (totalSteps > 0) {
            sb.append(" (").append(100 * step / totalSteps).append("%)");
        }
        if (r == null) {
            return sb.toString();
        }
        sb.append(String.format(Locale.ROOT, " | loss %.4f", r.loss()));
        if (!Double.isNaN(r.evalLoss())) {
            sb.append(String.format(Locale.ROOT, " | eval %.4f", r.evalLoss()));
        }
        sb.append(String.format(Locale.ROOT, " | lr %.2e | %.0f tok/s", r.lr(), r.tokensPerSecond()));
        sb.append(" | elapsed ").append(clockTime(elapsedNanos));
        long done = step - firstStep;
        if (done > 0) {
            long remaining = Math.max(0, totalSteps - step);
            sb.append(" | ETA ").append(clockTime((long) ((double) elapsedNanos / done * remaining)));
        }
        return sb.toString();
    }

    private String summary(TrainResult result) {
        StringBuilder sb = new StringBuilder(result.interrupted() ? "stopped at step " : "done: ")
                .append(result.globalStep())
                .append(result.interrupted() ? "/" + totalSteps : " steps")
                .append(String.format(Locale.ROOT, " in %.1f s", result.seconds()));
        if (!Double.isNaN(result.trainLoss())) {
            sb.append(String.format(Locale.ROOT, " | train loss %.4f", result.trainLoss()));
        }
        List<StepRecord> records = trainer.records();
        if (!records.isEmpty()) {
            StepRecord last = records.get(records.size() - 1);
            sb.append(String.format(Locale.ROOT, " | last loss %.4f", last.loss()));
            for (int i = records.size() - 1; i >= 0; i--) {
                if (!Double.isNaN(records.get(i).evalLoss())) {
                    sb.append(String.format(
                            Locale.ROOT, " | eval loss %.4f", records.get(i).evalLoss()));
                    break;
                }
            }
        }
        return sb.toString();
    }

    /** h:mm:ss, or m:ss under an hour. */
    static String clockTime(long nanos) {
        long s = Math.max(0, nanos / 1_000_000_000L);
        long h = s / 3600;
        return h > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", h, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** The loss chart titled with {@code line}, as PNG, with {@code line} as its text. */
    static MimeBundle chart(List<StepRecord> records, String line) {
        try {
            XYChart chart = LossCurves.chart(records, WIDTH, HEIGHT);
            chart.setTitle(line);
            return MimeBundle.png(BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG), line);
        } catch (IOException | RuntimeException | LinkageError e) {
            return MimeBundle.text(line); // no chart (e.g. no AWT): the line alone
        }
    }
}
