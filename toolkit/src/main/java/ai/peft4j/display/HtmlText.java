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
                case '<':
                    sb.append("&lt;");
                    break;
                case '>':
                    sb.append("&gt;");
                    break;
                case '&':
                    sb.append("&amp;");
                    break;
                case '"':
                    sb.append("&quot;");
                    break;
                case '\'':
                    sb.append("&#39;");
                    break;
                default:
                    sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A table; every cell is escaped. */
    static String table(List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder("<table style=\"" + STYLE + "\">");
        if (!header.isEmpty()) {
            sb.append("<thead><tr>");
            header.forEach(h ->
                    sb.append("<th ").append(CELL).append('>').append(escape(h)).append("</th>"));
            sb.append("</tr></thead>");
        }
        sb.append("<tbody>");
        for (List<String> row : rows) {
            sb.append("<tr>");
            row.forEach(c ->
                    sb.append("<td ").append(CELL).append('>').append(escape(c)).append("</td>"));
            sb.append("</tr>");
        }
        return sb.append("</tbody></table>").toString();
    }
}
