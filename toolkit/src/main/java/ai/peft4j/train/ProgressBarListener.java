package ai.peft4j.train;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A terminal progress bar (step, loss, tokens/s, ETA), drawn with {@code me.tongfei:progressbar}. */
public final class ProgressBarListener implements TrainingListener {

    private final PrintStream out;
    private ProgressBar bar;

    /** A bar on {@code System.err}. */
    public ProgressBarListener() {
        this(System.err);
    }

    /** A bar on {@code out}. */
    public ProgressBarListener(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onTrainBegin(PeftTrainer trainer, long totalSteps) {
        bar = new ProgressBarBuilder()
                .setTaskName("train")
                .setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(out))
                .build();
        bar.stepTo(trainer.globalStep());
    }

    @Override
    public void onStep(StepRecord r) {
        if (bar == null) {
            return;
        }
        String eval = Double.isNaN(r.evalLoss()) ? "" : String.format(" eval %.4f", r.evalLoss());
        bar.setExtraMessage(
                String.format("loss %.4f lr %.2e %.0f tok/s%s", r.loss(), r.lr(), r.tokensPerSecond(), eval));
        bar.stepTo(r.step());
    }

    @Override
    public void onTrainFailed(RuntimeException error) {
        onTrainEnd(null);
    }

    @Override
    public void onTrainEnd(TrainResult result) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
