package ai.peft4j.kernel.jupyter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.peft4j.Peft;
import ai.peft4j.config.TaskType;
import ai.peft4j.display.Display;
import ai.peft4j.display.MimeBundle;
import ai.peft4j.display.MimeRenderer;
import java.awt.image.BufferedImage;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.common.Image;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The kernel's renderer: the toolkit's MimeRenderer in JJava's DisplayData")
class ToolkitRendererTest {

    private final ToolkitRenderer renderer = new ToolkitRenderer(new MimeRenderer());

    static Object data(DisplayData d, String mime) {
        return d.getData(MIMEType.parse(mime));
    }

    @Test
    @DisplayName("a config carries the toolkit's HTML card and text, nothing else")
    void config() {
        var config = Peft.lora()
                .r(16)
                .targets("q_proj", "v_proj")
                .task(TaskType.CAUSAL_LM)
                .build();
        DisplayData d = renderer.render(config);
        assertEquals(Display.html(config), data(d, MimeBundle.HTML));
        assertEquals(Display.text(config), data(d, MimeBundle.TEXT));
    }

    @Test
    @DisplayName("JJava's own rules, which BaseKernel registers, do not apply")
    void onlyTheToolkitDecides() {
        BufferedImage image = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        var plain = new org.dflib.jjava.jupyter.kernel.display.Renderer();
        Image.registerAll(plain);
        Image.registerAll(renderer); // as BaseKernel's constructor does
        assertNotEquals("BufferedImage 4×3", data(plain.render(image), MimeBundle.TEXT), "JJava's own");
        DisplayData d = renderer.render(image);
        assertEquals("BufferedImage 4×3", data(d, MimeBundle.TEXT));
        assertEquals(MimeRenderer.standard(image).get(MimeBundle.PNG), data(d, MimeBundle.PNG));
    }

    @Test
    @DisplayName("an image is image/png; renderAs keeps the requested types, else the text")
    void imagesAndRenderAs() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        Object image = Display.png(png);
        assertEquals("iVBORw0KGgo=", data(renderer.render(image), MimeBundle.PNG));
        DisplayData textOnly = renderer.renderAs(image, MimeBundle.HTML);
        assertEquals("PNG image (8 bytes)", data(textOnly, MimeBundle.TEXT));
        assertFalse(textOnly.hasDataForType(MIMEType.IMAGE_PNG));
        assertEquals("iVBORw0KGgo=", data(renderer.renderAs(image, MimeBundle.PNG), MimeBundle.PNG));
    }

    @Test
    @DisplayName("registrations on the kernel's MimeRenderer reach Jupyter")
    void registrations() {
        MimeRenderer custom =
                new MimeRenderer().register(Integer.class, i -> MimeBundle.html("<b>" + i + "</b>", "" + i));
        DisplayData d = new ToolkitRenderer(custom).render(7);
        assertEquals("<b>7</b>", data(d, MimeBundle.HTML));
    }
}
