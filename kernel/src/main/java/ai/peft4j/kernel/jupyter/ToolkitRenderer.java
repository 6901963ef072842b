package ai.peft4j.kernel.jupyter;

import ai.peft4j.display.MimeBundle;
import ai.peft4j.display.MimeRenderer;
import java.util.Map;
import java.util.Objects;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;

/**
 * The renderer the kernel hands JJava's {@code BaseKernel}: every value is drawn by the toolkit's
 * {@link MimeRenderer}, so cell results, {@code display(...)} outputs and any code that asks the
 * kernel for its renderer look as they do in the notebook runner, JJava and IJava. This class only
 * turns a {@link MimeBundle} into JJava's {@link DisplayData}.
 */
final class ToolkitRenderer extends Renderer {

    private final MimeRenderer renderer;

    ToolkitRenderer(MimeRenderer renderer) {
        this.renderer = Objects.requireNonNull(renderer, "renderer");
    }

    /** {@inheritDoc} Every MIME type of the value's bundle. */
    @Override
    public DisplayData render(Object value, Map<String, Object> params) {
        return toDisplayData(renderer.render(value));
    }

    /** {@inheritDoc} The requested MIME types the bundle has, else its {@code text/plain}. */
    @Override
    public DisplayData renderAs(Object value, Map<String, Object> params, String... types) {
        MimeBundle bundle = renderer.render(value);
        DisplayData d = new DisplayData();
        boolean any = false;
        for (String type : types) {
            String data = bundle.get(type);
            if (data != null) {
                d.putData(type, data);
                any = true;
            }
        }
        if (!any) {
            d.putText(bundle.get(MimeBundle.TEXT));
        }
        return d;
    }

    static DisplayData toDisplayData(MimeBundle bundle) {
        DisplayData d = new DisplayData();
        bundle.data().forEach(d::putData);
        return d;
    }
}
