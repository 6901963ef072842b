package ai.peft4j.display;

import ai.peft4j.train.PeftTrainer;
import ai.peft4j.train.StepRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A trainer's loss curve (training loss per step, evaluation loss where measured), drawn with
 * XChart, headless and offline: SVG text, PNG bytes or a file.
 *
 * <pre>{@code
 * Display.png(LossCurves.png(trainer));                  // in a notebook
 * LossCurves.save(trainer, Path.of("output/loss.png"));  // .svg gives SVG
 * }</pre>
 */
public final class LossCurves {

    /** The width of the trainer-based charts. */
    public static final int WIDTH = 800;
    /** The height of the trainer-based charts. */
    public static final int HEIGHT = 450;

    private LossCurves() {}

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** The trainer's loss curve as an SVG document (800×450). */
    public static String svg(PeftTrainer trainer) {
        return svg(trainer.records(), WIDTH, HEIGHT);
    }

    /** The trainer's loss curve as PNG bytes (800×450). */
    public static byte[] png(PeftTrainer trainer) {
        return png(trainer.records(), WIDTH, HEIGHT);
    }

    /** Writes the trainer's loss curve to {@code file}: SVG when the name ends in {@code .svg}, else PNG. */
    public static Path save(PeftTrainer trainer, Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
                Files.writeString(file, svg(trainer));
            } else {
                Files.write(file, png(trainer));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the loss curve to " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    /** A chart of training loss (and evaluation loss where measured) against the step. */
    public static XYChart chart(List<StepRecord> history, int width, int height) {
        XYChart chart = new XYChartBuilder()
                .width(width)
                .height(height)
                .title("Loss")
                .xAxisTitle("step")
                .yAxisTitle("loss")
                .build();
        chart.getStyler().setLegendVisible(true);
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        List<Double> ex = new ArrayList<>();
        List<Double> ey = new ArrayList<>();
        for (StepRecord r : history) {
            xs.add((double) r.step());
            ys.add(r.loss());
            if (!Double.isNaN(r.evalLoss())) {
                ex.add((double) r.step());
                ey.add(r.evalLoss());
            }
        }
        if (xs.isEmpty()) {
            xs.add(0.0);
            ys.add(0.0);
        }
        XYSeries train = chart.addSeries("train loss", xs, ys);
        train.setMarker(SeriesMarkers.NONE);
        if (!ex.isEmpty()) {
            chart.addSeries("eval loss", ex, ey).setMarker(SeriesMarkers.CIRCLE);
        }
        return chart;
    }

    /** The chart as an SVG document. */
    public static String svg(List<StepRecord> history, int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            VectorGraphicsEncoder.saveVectorGraphic(
                    chart(history, width, height), out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The chart as PNG bytes. */
    public static byte[] png(List<StepRecord> history, int width, int height) {
        try {
            return BitmapEncoder.getBitmapBytes(chart(history, width, height), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
