package ai.peft4j.display;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Block;
import ai.peft4j.PeftModel;
import ai.peft4j.config.PeftConfig;
import ai.peft4j.io.json.PythonJson;
import ai.peft4j.io.json.PythonRepr;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.nn.ParameterTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tech.tablesaw.api.Table;

/**
 * How peft4j objects look in a notebook ({@code text/html}) and in JShell ({@code text/plain}).
 * Kernels render through {@link MimeRenderer}, which uses these forms; anything without a rich
 * form falls back to readable text (arrays and collections included), never {@code [F@1b6d3586}.
 *
 * <pre>{@code
 * Display.html(config);       // a card: method, task, fields (non-defaults marked), saved JSON
 * Display.html(peftModel);    // base class, adapters, trainable / all / %
 * Display.html(table);        // a Tablesaw table
 * Display.png(pngBytes);      // a value that notebooks draw as an image/png output
 * Display.moduleTree(model);  // the module tree, foldable, with parameter counts
 * }</pre>
 */
public final class Display {

    private static final int MAX_ROWS = 40;
    private static final int MAX_VALUES = 8;

    private Display() {}

    /**
     * What a notebook shows for {@code o}, MIME type to content: {@code text/plain} and, where there
     * is one, a richer form ({@code text/html}, {@code image/png}, ...). See {@link MimeRenderer}.
     */
    public static Map<String, String> mimeBundle(Object o) {
        return MimeRenderer.standard(o).data();
    }

    /**
     * An SVG image (e.g. {@code LossCurves.svg(trainer)}) as a value that notebooks draw as an {@code
     * image/svg+xml} output; its text is a one-line description.
     */
    public static Image svg(String svg) {
        if (!svg.contains("<svg")) {
            throw new IllegalArgumentException("not an SVG document");
        }
        return new Image(MimeBundle.SVG, Images.svgElement(svg), "SVG image (" + svg.length() + " characters)");
    }

    /**
     * A PNG image (e.g. {@code LossCurves.png(trainer)}) as a value that notebooks draw as an {@code
     * image/png} output.
     */
    public static Image png(byte[] png) {
        if (png.length < 8 || png[0] != (byte) 0x89 || png[1] != 'P' || png[2] != 'N' || png[3] != 'G') {
            throw new IllegalArgumentException("not a PNG image");
        }
        return new Image(
                MimeBundle.PNG,
                java.util.Base64.getEncoder().encodeToString(png),
                "PNG image (" + png.length + " bytes)");
    }

    /**
     * An image output: {@code data} is the SVG text or the base64 PNG, as Jupyter stores them.
     *
     * @param mime {@link MimeBundle#PNG} or {@link MimeBundle#SVG}
     * @param data the image, as the bundle carries it
     * @param text the {@code text/plain} fallback
     */
    public record Image(String mime, String data, String text) implements Displayable {
        /** {@inheritDoc} */
        @Override
        public MimeBundle mimeBundle() {
            return new MimeBundle().put(mime, data).put(MimeBundle.TEXT, text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** Ready-made HTML with a text fallback; kernels render it as is. */
    public record Html(String html, String text) implements Displayable {
        /** The HTML, as kernels look for it. */
        public String toHtml() {
            return html;
        }

        /** {@inheritDoc} */
        @Override
        public MimeBundle mimeBundle() {
            return MimeBundle.html(html, text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /**
     * A model's module tree as a notebook output: foldable HTML with each module's parameter count
     * (and how many train), and as text PyTorch's printout ({@link ModuleTree#describe}).
     *
     * <pre>{@code
     * Display.moduleTree(peftModel.getBaseModel())   // (seq): SequentialBlock > (0): LoraLinear ...
     * }</pre>
     */
    public static Html moduleTree(Block root) {
        StringBuilder sb = new StringBuilder("<div style=\"font-family:monospace;line-height:1.4\">");
        moduleHtml(root, "", sb);
        return new Html(sb.append("</div>").toString(), ModuleTree.describe(root));
    }

    private static void moduleHtml(Block block, String name, StringBuilder sb) {
        Map<String, Block> kids = ModuleTree.children(block);
        String head = name.isEmpty() ? "" : "(" + name + "): ";
        // a leaf's own line as describe() prints it, e.g. Linear(in_features=20, out_features=2000, bias=True)
        String label = kids.isEmpty()
                ? ModuleTree.describe(block).strip()
                : block.getClass().getSimpleName();
        long all = ModuleTree.countParameters(block);
        long trainable = ModuleTree.countTrainableParameters(block);
        String counts = all == 0
                ? ""
                : " <span style=\"color:#888\">" + PyFormat.thousands(all) + " params"
                        + (trainable > 0
                                ? ", <span style=\"color:#2a7\">" + PyFormat.thousands(trainable) + " trainable</span>"
                                : "")
                        + "</span>";
        String line = HtmlText.escape(head) + "<b>" + HtmlText.escape(label) + "</b>" + counts;
        if (kids.isEmpty()) {
            sb.append("<div>").append(line).append("</div>");
            return;
        }
        sb.append("<details open><summary>").append(line).append("</summary>");
        sb.append("<div style=\"padding-left:1.5em;border-left:1px solid #ddd\">");
        kids.forEach((k, b) -> moduleHtml(b, k, sb));
        sb.append("</div></details>");
    }

    /** Whether {@link #html(Object)} has a rich form for {@code o}. */
    public static boolean hasHtml(Object o) {
        return o instanceof PeftConfig
                || o instanceof PeftModel
                || o instanceof Table
                || o instanceof Html
                || o instanceof NDArray
                || o instanceof PeftModel.ParameterCounts;
    }

    /** The HTML form of {@code o}, or null when it has none. */
    public static String html(Object o) {
        if (o instanceof PeftConfig) {
            return configCard((PeftConfig) o);
        }
        if (o instanceof PeftModel) {
            return modelCard((PeftModel) o);
        }
        if (o instanceof Table) {
            return tableHtml((Table) o);
        }
        if (o instanceof NDArray) {
            return "<pre>" + HtmlText.escape(arrayText((NDArray) o)) + "</pre>";
        }
        if (o instanceof PeftModel.ParameterCounts) {
            return "<pre>" + HtmlText.escape(o.toString()) + "</pre>";
        }
        if (o instanceof Html) {
            return ((Html) o).html();
        }
        return null;
    }

    /** The plain-text form of anything. */
    public static String text(Object o) {
        if (o == null) {
            return "null";
        }
        if (o instanceof PeftModel) {
            return modelText((PeftModel) o);
        }
        if (o instanceof NDArray) {
            return arrayText((NDArray) o);
        }
        if (o instanceof Table) {
            return ((Table) o).printAll();
        }
        if (o.getClass().isArray()) {
            return arrayToString(o);
        }
        if (o instanceof Collection && ((Collection<?>) o).size() > 100) {
            List<Object> head = new ArrayList<Object>((Collection<?>) o).subList(0, 100);
            return head + " ... (" + ((Collection<?>) o).size() + " elements)";
        }
        return String.valueOf(o);
    }

    // --- configs ---

    private static String configCard(PeftConfig c) {
        Set<String> changed = c.nonDefaultKeys();
        List<List<String>> rows = new ArrayList<>();
        c.toMap().forEach((k, v) -> rows.add(List.of(changed.contains(k) ? "● " + k : k, json(v))));
        return "<div style=\"border:1px solid #ccc;border-radius:6px;padding:8px;display:inline-block\">"
                + "<b>" + HtmlText.escape(c.getClass().getSimpleName()) + "</b> &middot; "
                + HtmlText.escape(c.peftType().jsonValue())
                + (c.taskType() == null
                        ? ""
                        : " &middot; " + HtmlText.escape(c.taskType().jsonValue()))
                + " <small>(● differs from PEFT's default)</small>"
                + HtmlText.table(List.of("field", "value"), rows)
                + "<details><summary>adapter_config.json</summary><pre>" + HtmlText.escape(c.toJson())
                + "</pre></details></div>";
    }

    private static String json(Object v) {
        return PythonJson.dumpsInline(PythonJson.MAPPER.valueToTree(v));
    }

    // --- models ---

    private static List<List<String>> modelFacts(PeftModel m) {
        PeftModel.ParameterCounts n = m.getNbTrainableParameters();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("base model", m.getBaseModel().getClass().getSimpleName()));
        rows.add(List.of("adapters", String.join(", ", m.peftConfig().keySet())));
        rows.add(List.of("active adapter", String.valueOf(m.activeAdapter())));
        m.peftConfig()
                .forEach((name, c) -> rows.add(List.of(
                        "  " + name,
                        c.peftType().jsonValue()
                                + (c.taskType() == null
                                        ? ""
                                        : " / " + c.taskType().jsonValue()))));
        rows.add(List.of("trainable params", PyFormat.thousands(n.trainable())));
        rows.add(List.of("all params", PyFormat.thousands(n.all())));
        rows.add(List.of("trainable%", PythonRepr.ofDouble(n.trainablePercent())));
        return rows;
    }

    private static String modelCard(PeftModel m) {
        Table byType = ParameterTable.byType(m.parameterTable());
        return "<div style=\"border:1px solid #ccc;border-radius:6px;padding:8px;display:inline-block\">"
                + "<b>" + HtmlText.escape(m.getClass().getSimpleName()) + "</b>"
                + HtmlText.table(List.of(), modelFacts(m))
                + "<details><summary>parameters by module type</summary>" + tableHtml(byType)
                + "</details></div>";
    }

    private static String modelText(PeftModel m) {
        StringBuilder sb = new StringBuilder(m.getClass().getSimpleName()).append('\n');
        List<List<String>> rows = modelFacts(m);
        int w = rows.stream().mapToInt(r -> r.get(0).length()).max().orElse(0);
        rows.forEach(r -> sb.append("  ")
                .append(String.format("%-" + w + "s  ", r.get(0)))
                .append(r.get(1))
                .append('\n'));
        return sb.append(m.getNbTrainableParameters()).toString();
    }

    // --- tables and arrays ---

    private static String tableHtml(Table t) {
        List<String> header = t.columnNames();
        List<List<String>> rows = new ArrayList<>();
        int shown = Math.min(MAX_ROWS, t.rowCount());
        for (int i = 0; i < shown; i++) {
            List<String> row = new ArrayList<>();
            for (int j = 0; j < t.columnCount(); j++) {
                row.add(t.column(j).getString(i));
            }
            rows.add(row);
        }
        String more = t.rowCount() > shown
                ? "<small>" + (t.rowCount() - shown) + " more rows of " + t.rowCount() + "</small>"
                : "";
        return "<b>" + HtmlText.escape(t.name()) + "</b>" + HtmlText.table(header, rows) + more;
    }

    /** Shape, dtype, device and the first values of an array. */
    static String arrayText(NDArray a) {
        StringBuilder sb = new StringBuilder("NDArray ")
                .append(a.getShape())
                .append(' ')
                .append(a.getDataType())
                .append(" on ")
                .append(a.getDevice());
        if (a.isReleased()) {
            return sb.append(" (closed)").toString();
        }
        long n = a.size();
        try (NDScope scope = new NDScope()) { // frees the slices: displaying in a loop must not leak
            if (n > 0 && a.getDataType().isFloating()) {
                float[] head = a.flatten().get("0:" + Math.min(n, MAX_VALUES)).toFloatArray();
                sb.append(": ").append(Arrays.toString(head)).append(n > MAX_VALUES ? " ..." : "");
            } else if (n > 0 && a.getDataType().isInteger()) {
                long[] head = a.flatten()
                        .get("0:" + Math.min(n, MAX_VALUES))
                        .toType(ai.djl.ndarray.types.DataType.INT64, false)
                        .toLongArray();
                sb.append(": ").append(Arrays.toString(head)).append(n > MAX_VALUES ? " ..." : "");
            }
        }
        return sb.toString();
    }

    /** {@code Arrays.deepToString} for any array, primitive ones included. */
    private static String arrayToString(Object array) {
        String wrapped = Arrays.deepToString(new Object[] {array});
        return wrapped.substring(1, wrapped.length() - 1);
    }
}
