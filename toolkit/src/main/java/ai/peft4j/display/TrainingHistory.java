package ai.peft4j.display;

import ai.peft4j.train.PeftTrainer;
import ai.peft4j.train.StepRecord;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * A trainer's log ({@link PeftTrainer#records()}) as a Tablesaw table, which notebooks show as
 * HTML and which can be filtered, summarised and plotted.
 *
 * <pre>{@code
 * trainer.train();
 * var history = TrainingHistory.of(trainer);
 * history.where(history.intColumn("step").isIn(1, 100, 200));
 * }</pre>
 */
public final class TrainingHistory {

    private TrainingHistory() {}

    /** {@link #table(List)} of the trainer's steps so far. */
    public static Table of(PeftTrainer trainer) {
        return table(trainer.records());
    }

    /**
     * Columns {@code step, loss, lr, eval_loss, tokens_per_s, epoch, grad_norm}, one row per step;
     * {@code eval_loss} is missing where no evaluation ran.
     */
    public static Table table(List<StepRecord> records) {
        IntColumn step = IntColumn.create("step");
        DoubleColumn loss = DoubleColumn.create("loss");
        DoubleColumn lr = DoubleColumn.create("lr");
        DoubleColumn eval = DoubleColumn.create("eval_loss");
        DoubleColumn tps = DoubleColumn.create("tokens_per_s");
        DoubleColumn epoch = DoubleColumn.create("epoch");
        DoubleColumn norm = DoubleColumn.create("grad_norm");
        for (StepRecord r : records) {
            step.append(Math.toIntExact(r.step()));
            loss.append(r.loss());
            lr.append(r.lr());
            if (Double.isNaN(r.evalLoss())) {
                eval.appendMissing();
            } else {
                eval.append(r.evalLoss());
            }
            tps.append(r.tokensPerSecond());
            epoch.append(r.epoch());
            norm.append(r.gradNorm());
        }
        return Table.create("history", step, loss, lr, eval, tps, epoch, norm);
    }
}
