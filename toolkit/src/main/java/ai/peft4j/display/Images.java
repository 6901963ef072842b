package ai.peft4j.display;

import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** Charts and images as notebook outputs: {@code image/png}, and {@code image/svg+xml} for charts. */
final class Images {

    static {
        // Kernels and CI run without a display; AWT must not look for one.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Images() {}

    /** The bundle of an XChart chart or a {@link RenderedImage}. */
    static MimeBundle bundle(Object value) {
        if (value instanceof Chart) {
            return chart((Chart<?, ?>) value);
        }
        RenderedImage image = (RenderedImage) value;
        return MimeBundle.png(
                png(image), value.getClass().getSimpleName() + " " + image.getWidth() + "×" + image.getHeight());
    }

    private static MimeBundle chart(Chart<?, ?> chart) {
        String title = chart.getTitle() == null || chart.getTitle().isEmpty() ? "" : " \"" + chart.getTitle() + "\"";
        String text =
                chart.getClass().getSimpleName() + title + " (" + chart.getWidth() + "×" + chart.getHeight() + ")";
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            ByteArrayOutputStream svg = new ByteArrayOutputStream();
            VectorGraphicsEncoder.saveVectorGraphic(chart, svg, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            return new MimeBundle()
                    .put(MimeBundle.PNG, Base64.getEncoder().encodeToString(png))
                    .put(MimeBundle.SVG, svgElement(svg.toString(StandardCharsets.UTF_8)))
                    .put(MimeBundle.TEXT, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** PNG bytes of an image. */
    static byte[] png(RenderedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalArgumentException("no PNG writer for " + image);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * The {@code <svg>} element of an SVG document: notebooks insert SVG output into the page,
     * where an XML declaration or doctype does not belong.
     */
    static String svgElement(String svg) {
        int start = svg.indexOf("<svg");
        if (start < 0) {
            throw new IllegalArgumentException("not an SVG document");
        }
        return svg.substring(start);
    }
}
