package ai.peft4j.kernel.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class RendererTest {
  private final Renderer renderer = new Renderer();

  /** Stands in for peft4j's display objects. */
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

  @Test
  void toHtmlGivesHtmlAndText() {
    MimeBundle b = renderer.render(new Card());
    assertEquals("<b>card</b>", b.get(MimeBundle.HTML));
    assertEquals("Card(plain)", b.get(MimeBundle.TEXT));
  }

  @Test
  void plainObjectsAndNull() {
    assertEquals("hello", renderer.render("hello").get(MimeBundle.TEXT));
    assertNull(renderer.render("hello").get(MimeBundle.HTML));
    assertEquals("null", renderer.render(null).get(MimeBundle.TEXT));
    assertNull(renderer.render(new BadHtml()).get(MimeBundle.HTML));
  }

  @Test
  void arrays() {
    assertEquals("[1, 2, 3]", renderer.render(new int[] {1, 2, 3}).get(MimeBundle.TEXT));
    assertEquals(
        "[[a, b], [c]]",
        renderer.render(new String[][] {{"a", "b"}, {"c"}}).get(MimeBundle.TEXT));
  }

  @Test
  void registeredRenderersWinNewestFirst() {
    renderer.register(CharSequence.class, s -> MimeBundle.text("chars:" + s));
    renderer.register(String.class, s -> MimeBundle.html("<i>" + s + "</i>", s));
    assertEquals("<i>x</i>", renderer.render("x").get(MimeBundle.HTML));
    assertEquals("chars:y", renderer.render(new StringBuilder("y")).get(MimeBundle.TEXT));
  }

  @Test
  void throwingRendererFallsBackToString() {
    renderer.register(Integer.class, i -> {
      throw new IllegalStateException("nope");
    });
    assertEquals("5", renderer.render(5).get(MimeBundle.TEXT));
  }

  @Test
  void ndArraySummary() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.arange(24f).reshape(new Shape(2, 3, 4));
      String text = renderer.render(a).get(MimeBundle.TEXT);
      assertTrue(text.startsWith("NDArray float32 (2, 3, 4) cpu()"), text);
      assertTrue(text.contains("[0.000, 1.000, 2.000"), text);
      assertTrue(text.endsWith("... (14 more)]"), text);
      NDArray small = m.create(new int[] {7, 8});
      assertTrue(renderer.render(small).get(MimeBundle.TEXT).endsWith("\n[7, 8]"));
      NDArray bools = m.create(new boolean[] {true, false});
      assertTrue(renderer.render(bools).get(MimeBundle.TEXT).endsWith("[true, false]"));
    }
  }
}
