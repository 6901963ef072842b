package ai.peft4j.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.peft4j.train.StepRecord;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

@DisplayName("A trainer's log as a table and a loss curve")
class TrainingHistoryTest {

    static final List<StepRecord> LOG = List.of(
            new StepRecord(1, 0.5, 3.0, 1e-3, 2.0, 100, Double.NaN), new StepRecord(2, 1.0, 2.5, 2e-3, 1.5, 120, 2.75));

    @Test
    @DisplayName("one row per step; eval_loss missing where no evaluation ran")
    void table() {
        Table t = TrainingHistory.table(LOG);
        assertEquals(List.of("step", "loss", "lr", "eval_loss", "tokens_per_s", "epoch", "grad_norm"), t.columnNames());
        assertEquals(2, t.rowCount());
        assertEquals(2, t.intColumn("step").getInt(1));
        assertEquals(2.5, t.doubleColumn("loss").getDouble(1));
        assertEquals(1, t.doubleColumn("eval_loss").countMissing());
        assertEquals(2.75, t.doubleColumn("eval_loss").getDouble(1));
        assertEquals(1.5, t.doubleColumn("grad_norm").getDouble(1));
    }

    @Test
    @DisplayName("the loss curve has a training series and, where measured, an evaluation series")
    void curve() {
        var chart = LossCurves.chart(LOG, 400, 300);
        assertEquals(
                List.of("train loss", "eval loss"),
                List.copyOf(chart.getSeriesMap().keySet()));
        String svg = LossCurves.svg(LOG, 400, 300);
        assertTrue(svg.contains("<svg") && svg.contains("</svg>"));
        byte[] png = LossCurves.png(List.of(), 400, 300);
        assertEquals((byte) 0x89, png[0], "an empty log still draws (an empty chart)");
    }
}
