package ai.peft4j.kernel.notebook;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One cell's outputs as they arrive: stream text ({@code stdout}, {@code stderr}) merged into
 * consecutive stream outputs, and display outputs in between. Work is linear in the text
 * written: each character is copied a bounded number of times, never re-joined.
 *
 * <p>Stream text is capped per cell, as notebook front ends cap long outputs: the first half of
 * the budget ({@code maxChars / 2} characters or {@code maxLines / 2} lines, whichever comes
 * first) is kept as it arrives, then only the last half is kept, and one line in the output
 * says how much was dropped in between. Display outputs are never dropped.
 *
 * <p>{@link #finish()} writes the text into the {@code outputs} array; it may be called more than
 * once, and writes after it are ignored.
 */
final class CellStreams {
    /** Something in the tail: a line (or the unfinished last line) of a stream, or a display. */
    private static final class Piece {
        final String name;
        final StringBuilder text;
        final ObjectNode display;

        Piece(String name, StringBuilder text, ObjectNode display) {
            this.name = name;
            this.text = text;
            this.display = display;
        }

        boolean complete() {
            return text != null && text.length() > 0 && text.charAt(text.length() - 1) == '\n';
        }
    }

    private final ArrayNode outputs;
    private final long maxChars;
    private final long maxLines;
    private final long headChars;
    private final long headLines;
    private final long tailChars;
    private final long tailLines;

    /** Head: stream outputs already placed in {@code outputs}, with their text so far. */
    private final List<ObjectNode> headNodes = new ArrayList<>();

    private final List<StringBuilder> headTexts = new ArrayList<>();
    private ObjectNode lastStream;
    private StringBuilder lastText;
    private String lastName;
    private long keptHeadChars;
    private long keptHeadLines;
    private boolean tailMode;

    /** Tail: the most recent pieces after the head filled up. */
    private final ArrayDeque<Piece> tail = new ArrayDeque<>();

    private long tailCharCount;
    private long tailLineCount;
    private final List<ObjectNode> pinned = new ArrayList<>();
    private long droppedChars;
    private long droppedLines;

    private boolean finished;
    private long charsCopied;

    /**
     * @param outputs the cell's {@code outputs} array
     * @param maxChars stream characters kept per cell, head and tail together ({@code <= 0}: no cap)
     * @param maxLines stream lines kept per cell, head and tail together ({@code <= 0}: no cap)
     */
    CellStreams(ArrayNode outputs, long maxChars, long maxLines) {
        this.outputs = outputs;
        this.maxChars = maxChars;
        this.maxLines = maxLines;
        long chars = maxChars <= 0 ? Long.MAX_VALUE / 4 : maxChars;
        long lines = maxLines <= 0 ? Long.MAX_VALUE / 4 : maxLines;
        this.headChars = chars - chars / 2;
        this.tailChars = Math.max(1, chars / 2);
        this.headLines = lines - lines / 2;
        this.tailLines = Math.max(1, lines / 2);
    }

    /** Characters copied into or out of the buffers so far: the work done, for tests. */
    long charsCopied() {
        return charsCopied;
    }

    /** Characters and lines dropped so far. */
    long droppedChars() {
        return droppedChars;
    }

    long droppedLines() {
        return droppedLines;
    }

    /** Adds text written to stream {@code name} ({@code stdout} or {@code stderr}). */
    synchronized void append(String name, String text) {
        if (finished || text.isEmpty()) {
            return;
        }
        int from = 0;
        if (!tailMode) {
            from = appendHead(name, text);
            if (from == text.length()) {
                return;
            }
            tailMode = true;
        }
        appendTail(name, text, from);
    }

    /** Adds a display output after what was written so far. */
    synchronized void display(ObjectNode output) {
        if (finished) {
            return;
        }
        if (tailMode) {
            tail.addLast(new Piece(null, null, output));
        } else {
            outputs.add(output);
            lastStream = null;
        }
    }

    /** Takes what fits in the head; returns where the rest of {@code text} starts. */
    private int appendHead(String name, String text) {
        if (keptHeadChars >= headChars || keptHeadLines >= headLines) {
            return 0;
        }
        long roomChars = headChars - keptHeadChars;
        int end = (int) Math.min(text.length(), roomChars);
        long roomLines = headLines - keptHeadLines;
        int lines = 0;
        for (int i = 0; i < end; i++) {
            if (text.charAt(i) == '\n' && ++lines == roomLines) {
                end = i + 1;
                break;
            }
        }
        if (end == 0) {
            return 0;
        }
        if (lastStream == null || !name.equals(lastName)) {
            lastStream = JsonNodeFactory.instance.objectNode();
            lastStream.put("output_type", "stream");
            lastStream.put("name", name);
            lastText = new StringBuilder();
            lastName = name;
            outputs.add(lastStream);
            headNodes.add(lastStream);
            headTexts.add(lastText);
        }
        lastText.append(text, 0, end);
        charsCopied += end;
        keptHeadChars += end;
        keptHeadLines += lines;
        return end;
    }

    private void appendTail(String name, String text, int from) {
        int pos = from;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? text.length() : nl + 1;
            Piece last = tail.peekLast();
            if (last != null && last.text != null && name.equals(last.name) && !last.complete()) {
                last.text.append(text, pos, end);
            } else {
                tail.addLast(new Piece(name, new StringBuilder().append(text, pos, end), null));
            }
            charsCopied += end - pos;
            tailCharCount += end - pos;
            if (nl >= 0) {
                tailLineCount++;
            }
            pos = end;
            evict();
        }
    }

    /** Drops the oldest tail pieces until the tail fits; displays move to the kept list instead. */
    private void evict() {
        while (tail.size() > 1 && (tailCharCount > tailChars || tailLineCount > tailLines)) {
            Piece p = tail.pollFirst();
            if (p.display != null) {
                pinned.add(p.display);
                continue;
            }
            tailCharCount -= p.text.length();
            droppedChars += p.text.length();
            if (p.complete()) {
                tailLineCount--;
                droppedLines++;
            }
        }
        Piece only = tail.peekFirst();
        if (only != null && only.text != null && only.text.length() > 2 * tailChars) {
            // one endless line (a progress bar without newlines): keep its end only
            int cut = (int) (only.text.length() - tailChars);
            only.text.delete(0, cut);
            charsCopied += only.text.length();
            tailCharCount -= cut;
            droppedChars += cut;
        }
    }

    /** Writes the collected text into the outputs (idempotent). */
    synchronized void finish() {
        if (finished) {
            return;
        }
        finished = true;
        for (int i = 0; i < headNodes.size(); i++) {
            headNodes.get(i).set("text", lines(headTexts.get(i)));
        }
        pinned.forEach(outputs::add);
        boolean truncated = droppedChars > 0;
        ObjectNode stream = null;
        StringBuilder text = null;
        String name = null;
        if (!truncated && lastStream != null && outputs.size() > 0 && outputs.get(outputs.size() - 1) == lastStream) {
            stream = lastStream; // nothing dropped: the tail continues the last head output
            text = lastText;
            name = lastName;
        }
        boolean markerDone = !truncated;
        for (Piece p : tail) {
            if (p.display != null) {
                flushStream(stream, text);
                stream = null;
                outputs.add(p.display);
                continue;
            }
            if (stream == null || !p.name.equals(name)) {
                flushStream(stream, text);
                stream = JsonNodeFactory.instance.objectNode();
                stream.put("output_type", "stream");
                stream.put("name", p.name);
                outputs.add(stream);
                text = new StringBuilder();
                name = p.name;
                if (!markerDone) {
                    text.append(marker());
                    markerDone = true;
                }
            }
            text.append(p.text);
            charsCopied += p.text.length();
        }
        if (!markerDone) {
            flushStream(stream, text);
            stream = JsonNodeFactory.instance.objectNode();
            stream.put("output_type", "stream");
            stream.put("name", "stderr");
            outputs.add(stream);
            text = new StringBuilder(marker());
        }
        flushStream(stream, text);
    }

    private void flushStream(ObjectNode stream, StringBuilder text) {
        if (stream != null) {
            stream.set("text", lines(text));
        }
    }

    private ArrayNode lines(StringBuilder text) {
        charsCopied += text.length();
        return NotebookRunner.splitLines(text.toString());
    }

    private String marker() {
        String dropped = droppedLines == 0
                ? String.format(Locale.ROOT, "%,d characters", droppedChars)
                : String.format(Locale.ROOT, "%,d lines (%,d characters)", droppedLines, droppedChars);
        List<String> limits = new ArrayList<>();
        if (maxLines > 0) {
            limits.add(String.format(Locale.ROOT, "%,d lines", maxLines));
        }
        if (maxChars > 0) {
            limits.add(String.format(Locale.ROOT, "%,d characters", maxChars));
        }
        return String.format(
                Locale.ROOT,
                "[... %s of output dropped here: a cell keeps the head and tail of its output, %s at"
                        + " most (execute --max-output-lines, --max-output-chars) ...]\n",
                dropped,
                String.join(" and ", limits));
    }
}
