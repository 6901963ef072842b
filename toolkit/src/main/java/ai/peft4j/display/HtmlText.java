package ai.peft4j.display;

import java.util.List;

/** Small, static, escaped HTML: no script, no external style, so it renders offline and on GitHub. */
final class HtmlText {

    static final String STYLE = "font-family:monospace;border-collapse:collapse;";
    static final String CELL = "style=\"padding:2px 8px;text-align:left;border-bottom:1px solid #ddd\"";

    private HtmlText() {}

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A table; every cell is escaped. */
    static String table(List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder("<table style=\"" + STYLE + "\">");
        if (!header.isEmpty()) {
            row(sb.append("<thead>"), "th", header).append("</thead>");
        }
        sb.append("<tbody>");
        rows.forEach(row -> row(sb, "td", row));
        return sb.append("</tbody></table>").toString();
    }

    /** One {@code <tr>} of {@code tag} cells ({@code th} or {@code td}), each escaped. */
    private static StringBuilder row(StringBuilder sb, String tag, List<String> cells) {
        sb.append("<tr>");
        cells.forEach(c -> sb.append('<')
                .append(tag)
                .append(' ')
                .append(CELL)
                .append('>')
                .append(escape(c))
                .append("</")
                .append(tag)
                .append('>'));
        return sb.append("</tr>");
    }
}
