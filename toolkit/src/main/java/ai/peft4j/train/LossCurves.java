package ai.peft4j.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Loss curves drawn with XChart, headless and offline: SVG text or PNG bytes. */
public final class LossCurves {

  private LossCurves() {}

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** A chart of training loss (and evaluation loss where measured) against the step. */
  public static XYChart chart(List<StepRecord> history, int width, int height) {
    XYChart chart = new XYChartBuilder().width(width).height(height).title("Loss")
        .xAxisTitle("step").yAxisTitle("loss").build();
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
      VectorGraphicsEncoder.saveVectorGraphic(chart(history, width, height), out,
          VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The chart as PNG bytes. */
  public static byte[] png(List<StepRecord> history, int width, int height) {
    try {
      return BitmapEncoder.getBitmapBytes(chart(history, width, height),
          BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
