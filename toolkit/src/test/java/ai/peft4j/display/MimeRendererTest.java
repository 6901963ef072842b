package ai.peft4j.display;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.peft4j.Peft;
import ai.peft4j.config.TaskType;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

@DisplayName("MimeRenderer: what a notebook shows for a value")
class MimeRendererTest {

    private final MimeRenderer renderer = new MimeRenderer();

    /** Stands in for a user's class with its own HTML. */
    public static final class Card {
        @Override
        public String toString() {
            return "Card(plain)";
        }

        public String toHtml() {
            return "<b>card</b>";
        }
    }

    public static final class BadHtml {
        public int toHtml() {
            return 1;
        }

        @Override
        public String toString() {
            return "bad";
        }
    }

    public static final class BadToString {
        @Override
        public String toString() {
            throw new IllegalStateException("broken");
        }
    }

    @Test
    @DisplayName("a public String toHtml() gives text/html, with toString() as text/plain")
    void toHtmlGivesHtmlAndText() {
        MimeBundle b = renderer.render(new Card());
        assertEquals("<b>card</b>", b.get(MimeBundle.HTML));
        assertEquals("Card(plain)", b.get(MimeBundle.TEXT));
        assertEquals(
                List.of(MimeBundle.HTML, MimeBundle.TEXT),
                List.copyOf(b.data().keySet()),
                "HTML first, as notebooks store it");
    }

    @Test
    @DisplayName("plain values, null and a toHtml() that is not a String give text only")
    void plainObjectsAndNull() {
        assertEquals(MimeBundle.text("hello"), renderer.render("hello"));
        assertEquals(MimeBundle.text("null"), renderer.render(null));
        assertEquals(MimeBundle.text("bad"), renderer.render(new BadHtml()));
    }

    @Test
    @DisplayName("arrays print their elements and long collections are cut")
    void arraysAndCollections() {
        assertEquals("[1, 2, 3]", renderer.render(new int[] {1, 2, 3}).get(MimeBundle.TEXT));
        assertEquals(
                "[[a, b], [c]]",
                renderer.render(new String[][] {{"a", "b"}, {"c"}}).get(MimeBundle.TEXT));
        List<Integer> many = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            many.add(i);
        }
        String text = renderer.render(many).get(MimeBundle.TEXT);
        assertTrue(text.endsWith(", 99] ... (150 elements)"), text);
    }

    @Test
    @DisplayName("peft4j's types come out as Display draws them")
    void peft4jTypes() {
        var config = Peft.lora()
                .r(16)
                .targets("q_proj", "v_proj")
                .task(TaskType.CAUSAL_LM)
                .build();
        MimeBundle b = renderer.render(config);
        assertEquals(Display.html(config), b.get(MimeBundle.HTML));
        assertEquals(Display.text(config), b.get(MimeBundle.TEXT));
        assertEquals(b.data(), Display.mimeBundle(config));
        try (NDManager m = NDManager.newBaseManager()) {
            MimeBundle a = renderer.render(m.arange(20f).reshape(4, 5));
            assertTrue(
                    a.get(MimeBundle.TEXT).startsWith("NDArray (4, 5) float32 on cpu(): [0.0, 1.0"),
                    a.get(MimeBundle.TEXT));
            assertTrue(a.get(MimeBundle.HTML).startsWith("<pre>NDArray (4, 5)"), a.get(MimeBundle.HTML));
            int arrays = m.getManagedArrays().size();
            renderer.render(m.arange(5));
            assertEquals(arrays + 1, m.getManagedArrays().size(), "the slices it reads are freed");
        }
    }

    @Test
    @DisplayName("registered renderers win, newest first; one that throws falls back to toString()")
    void registeredRenderers() {
        renderer.register(CharSequence.class, s -> MimeBundle.text("chars:" + s));
        renderer.register(String.class, s -> MimeBundle.html("<i>" + s + "</i>", s));
        assertEquals("<i>x</i>", renderer.render("x").get(MimeBundle.HTML));
        assertEquals("chars:y", renderer.render(new StringBuilder("y")).get(MimeBundle.TEXT));
        renderer.register(Integer.class, i -> null);
        assertEquals(MimeBundle.text("4"), renderer.render(4), "null passes the value on");
        renderer.register(Integer.class, i -> {
            throw new IllegalStateException("nope");
        });
        assertEquals(MimeBundle.text("5"), renderer.render(5));
        assertEquals(MimeBundle.text("5"), MimeRenderer.standard(5), "standard() ignores registrations");
    }

    @Test
    @DisplayName("a value whose toString() throws still renders")
    void brokenToString() {
        String text = renderer.render(new BadToString()).get(MimeBundle.TEXT);
        assertTrue(text.contains("BadToString (toString() failed: java.lang.IllegalStateException: broken)"), text);
    }

    @Test
    @DisplayName("a Displayable is shown as its own bundle")
    void displayable() {
        Displayable d = () -> MimeBundle.text("status").put("text/markdown", "**status**");
        assertEquals(d.mimeBundle(), renderer.render(d));
    }

    @Test
    @DisplayName("Display.png is an image/png output, not HTML; Display.svg an image/svg+xml one")
    void displayImages() {
        byte[] png = Images.png(new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB));
        MimeBundle b = renderer.render(Display.png(png));
        assertEquals(Set.of(MimeBundle.PNG, MimeBundle.TEXT), b.data().keySet());
        assertArrayEquals(png, Base64.getDecoder().decode(b.get(MimeBundle.PNG)));
        assertEquals("PNG image (" + png.length + " bytes)", b.get(MimeBundle.TEXT));
        assertThrows(IllegalArgumentException.class, () -> Display.png(new byte[] {1, 2, 3}));

        String svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        MimeBundle s = renderer.render(Display.svg(svg));
        assertEquals(Set.of(MimeBundle.SVG, MimeBundle.TEXT), s.data().keySet());
        assertEquals("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", s.get(MimeBundle.SVG));
    }

    @Test
    @DisplayName("a BufferedImage is an image/png output of the same pixels")
    void bufferedImage() throws Exception {
        BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 2, 0xff0000);
        MimeBundle b = renderer.render(img);
        assertEquals("BufferedImage 4×3", b.get(MimeBundle.TEXT));
        assertNull(b.get(MimeBundle.HTML));
        BufferedImage back =
                ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(b.get(MimeBundle.PNG))));
        assertEquals(4, back.getWidth());
        assertEquals(0xff0000, back.getRGB(1, 2) & 0xffffff);
    }

    @Test
    @DisplayName("an XChart chart is both image/png and image/svg+xml")
    void chart() throws Exception {
        XYChart chart =
                new XYChartBuilder().width(320).height(200).title("Loss").build();
        chart.addSeries("train loss", new double[] {1, 2, 3}, new double[] {3, 2, 1.5});
        MimeBundle b = renderer.render(chart);
        assertEquals(
                Set.of(MimeBundle.PNG, MimeBundle.SVG, MimeBundle.TEXT),
                b.data().keySet());
        assertEquals("XYChart \"Loss\" (320×200)", b.get(MimeBundle.TEXT));
        BufferedImage png =
                ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(b.get(MimeBundle.PNG))));
        assertEquals(320, png.getWidth());
        assertEquals(200, png.getHeight());
        assertTrue(
                b.get(MimeBundle.SVG).startsWith("<svg"), b.get(MimeBundle.SVG).substring(0, 40));
        assertTrue(b.get(MimeBundle.SVG).contains("</svg>"));
    }
}
