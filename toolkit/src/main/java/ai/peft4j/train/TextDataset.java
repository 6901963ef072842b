package ai.peft4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.models.Losses;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.TreeSet;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Tokenized examples for causal-LM, sequence-classification or sequence-to-sequence training,
 * batched with padding.
 *
 * <pre>{@code
 * var tok = TextTokenizer.fromFile(Path.of("opt-125m/tokenizer.json"), 1);
 * var train = TextDataset.causalLm(List.of("Hello world", "LoRA trains small matrices"), tok, 128);
 * var imdb = TextDataset.classification(table, "text", "label", tok, 256);   // a Tablesaw Table
 * var pairs = TextDataset.seq2seq(List.of("translate: chat"), List.of("cat"), t5Tok, 64, 16);
 * }</pre>
 *
 * <p>Batches are right-padded with the tokenizer's pad id; the attention mask is 1 on tokens and
 * 0 on padding; causal-LM labels are the input ids with {@value Losses#IGNORE_INDEX} on padding
 * (the model shifts them), classification labels are one class id per example. Sequence-to-sequence
 * labels are the target ids, padded with {@value Losses#IGNORE_INDEX} to the longest target of the
 * batch, as transformers' {@code DataCollatorForSeq2Seq} pads them; the model shifts them right
 * into its decoder inputs.
 */
public final class TextDataset {

    /** What the labels are. */
    public enum Task {
        /** Labels are the inputs (next-token prediction). */
        CAUSAL_LM,
        /** One integer class per example. */
        SEQ_CLS,
        /** A target sequence per example, read by a decoder (T5's text-to-text). */
        SEQ_2_SEQ_LM
    }

    private final Task task;
    private final List<int[]> ids;
    private final int[] labels;
    private final List<int[]> targets;
    private final int padTokenId;
    private final List<String> labelNames;

    private TextDataset(Task task, List<int[]> ids, int[] labels, int padTokenId, List<String> labelNames) {
        this(task, ids, labels, List.of(), padTokenId, labelNames);
    }

    private TextDataset(
            Task task, List<int[]> ids, int[] labels, List<int[]> targets, int padTokenId, List<String> labelNames) {
        this.task = task;
        this.ids = List.copyOf(ids);
        this.labels = labels;
        this.targets = List.copyOf(targets);
        this.padTokenId = padTokenId;
        this.labelNames = labelNames;
    }

    /** Causal-LM examples from texts, each truncated to {@code maxLength} tokens. */
    public static TextDataset causalLm(List<String> texts, TextTokenizer tokenizer, int maxLength) {
        List<int[]> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            int[] e = truncate(tokenizer.encode(t), maxLength);
            if (e.length > 0) {
                out.add(e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no text gave any token");
        }
        return new TextDataset(Task.CAUSAL_LM, out, null, tokenizer.padTokenId(), List.of());
    }

    /** Causal-LM examples from a text column of a Tablesaw table. */
    public static TextDataset causalLm(Table table, String textColumn, TextTokenizer tokenizer, int maxLength) {
        return causalLm(texts(table, textColumn), tokenizer, maxLength);
    }

    /** Pre-tokenized causal-LM examples (used as given, padded with {@code padTokenId}). */
    public static TextDataset ofTokenIds(List<int[]> tokenIds, int padTokenId) {
        return new TextDataset(Task.CAUSAL_LM, tokenIds, null, padTokenId, List.of());
    }

    /** Classification examples: {@code labels.get(i)} is the class id of {@code texts.get(i)}. */
    public static TextDataset classification(
            List<String> texts, List<Integer> labels, TextTokenizer tokenizer, int maxLength) {
        if (texts.size() != labels.size()) {
            throw new IllegalArgumentException(texts.size() + " texts but " + labels.size() + " labels");
        }
        List<int[]> out = new ArrayList<>(texts.size());
        int[] y = new int[texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            int[] e = truncate(tokenizer.encode(texts.get(i)), maxLength);
            if (e.length == 0) {
                throw new IllegalArgumentException("text " + i + " gave no token");
            }
            out.add(e);
            y[i] = Objects.requireNonNull(labels.get(i), "label " + i);
        }
        return new TextDataset(Task.SEQ_CLS, out, y, tokenizer.padTokenId(), List.of());
    }

    /**
     * Classification examples from a table. An integer label column is used as is; a text label
     * column is mapped to ids in sorted order ({@link #labelNames()}).
     */
    public static TextDataset classification(
            Table table, String textColumn, String labelColumn, TextTokenizer tokenizer, int maxLength) {
        Column<?> col = table.column(labelColumn);
        List<Integer> y = new ArrayList<>(col.size());
        List<String> names = List.of();
        if (col.type().name().equals("STRING") || col.type().name().equals("TEXT")) {
            names = new ArrayList<>(
                    new TreeSet<>(col.asList().stream().map(String::valueOf).toList()));
            for (Object o : col.asList()) {
                y.add(names.indexOf(String.valueOf(o)));
            }
        } else {
            for (Object o : col.asList()) {
                y.add(((Number) o).intValue());
            }
        }
        TextDataset d = classification(texts(table, textColumn), y, tokenizer, maxLength);
        return new TextDataset(d.task, d.ids, d.labels, d.padTokenId, List.copyOf(names));
    }

    /**
     * Sequence-to-sequence examples: {@code targets.get(i)} is what the model should write for {@code
     * sources.get(i)}. Both are tokenized with {@code tokenizer} (a T5 tokenizer ends each with
     * {@code </s>}) and truncated to {@code maxSourceLength} and {@code maxTargetLength} tokens.
     */
    public static TextDataset seq2seq(
            List<String> sources,
            List<String> targets,
            TextTokenizer tokenizer,
            int maxSourceLength,
            int maxTargetLength) {
        if (sources.size() != targets.size()) {
            throw new IllegalArgumentException(sources.size() + " sources but " + targets.size() + " targets");
        }
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no examples");
        }
        List<int[]> x = new ArrayList<>(sources.size());
        List<int[]> y = new ArrayList<>(targets.size());
        for (int i = 0; i < sources.size(); i++) {
            int[] s = truncate(tokenizer.encode(sources.get(i)), maxSourceLength);
            int[] t = truncate(tokenizer.encode(targets.get(i)), maxTargetLength);
            if (s.length == 0 || t.length == 0) {
                throw new IllegalArgumentException(
                        "example " + i + ": the " + (s.length == 0 ? "source" : "target") + " gave no token");
            }
            x.add(s);
            y.add(t);
        }
        return new TextDataset(Task.SEQ_2_SEQ_LM, x, null, y, tokenizer.padTokenId(), List.of());
    }

    /** Sequence-to-sequence examples from two text columns of a Tablesaw table. */
    public static TextDataset seq2seq(
            Table table,
            String sourceColumn,
            String targetColumn,
            TextTokenizer tokenizer,
            int maxSourceLength,
            int maxTargetLength) {
        return seq2seq(
                texts(table, sourceColumn), texts(table, targetColumn), tokenizer, maxSourceLength, maxTargetLength);
    }

    private static List<String> texts(Table table, String column) {
        List<String> out = new ArrayList<>(table.rowCount());
        for (Object o : table.column(column).asList()) {
            out.add(o == null ? "" : String.valueOf(o));
        }
        return out;
    }

    private static int[] truncate(int[] ids, int maxLength) {
        if (maxLength <= 0) {
            throw new IllegalArgumentException("maxLength must be positive");
        }
        return ids.length <= maxLength ? ids : java.util.Arrays.copyOf(ids, maxLength);
    }

    public Task task() {
        return task;
    }

    /** The number of examples. */
    public int size() {
        return ids.size();
    }

    /** The token ids of example {@code i} (a copy); for sequence-to-sequence data, those of its source. */
    public int[] tokenIds(int i) {
        return ids.get(i).clone();
    }

    /**
     * The target token ids of sequence-to-sequence example {@code i} (a copy).
     *
     * @throws IllegalStateException for other tasks
     */
    public int[] targetIds(int i) {
        if (task != Task.SEQ_2_SEQ_LM) {
            throw new IllegalStateException("a " + task + " data set has no targets");
        }
        return targets.get(i).clone();
    }

    /** The class names when labels came from a text column, else empty. */
    public List<String> labelNames() {
        return labelNames;
    }

    public int padTokenId() {
        return padTokenId;
    }

    /**
     * The example indices of each batch of one epoch: all examples in order, or shuffled by a
     * generator seeded from {@code seed} and {@code epoch} (so every epoch differs and a resumed run
     * sees the same order). The last batch may be smaller.
     */
    public List<int[]> batchOrder(int batchSize, boolean shuffle, long seed, int epoch) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive");
        }
        List<Integer> order = new ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            order.add(i);
        }
        if (shuffle) {
            Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        }
        List<int[]> out = new ArrayList<>();
        for (int start = 0; start < order.size(); start += batchSize) {
            int end = Math.min(order.size(), start + batchSize);
            out.add(order.subList(start, end).stream()
                    .mapToInt(Integer::intValue)
                    .toArray());
        }
        return out;
    }

    /** The number of batches per epoch. */
    public int batchesPerEpoch(int batchSize) {
        return (size() + batchSize - 1) / batchSize;
    }

    /**
     * One padded batch on {@code manager}: INT64 {@code inputIds (B, T)}, {@code attentionMask (B,
     * T)} and labels ({@code (B, T)} for causal LM, {@code (B)} for classification, {@code (B, L)}
     * for sequence-to-sequence with {@code L} the longest target of the batch), with {@code T} the
     * longest example of the batch.
     */
    public Batch collate(int[] indices, NDManager manager) {
        if (task == Task.SEQ_2_SEQ_LM) {
            return collateSeq2Seq(indices, manager);
        }
        int b = indices.length;
        int t = 0;
        for (int i : indices) {
            t = Math.max(t, ids.get(i).length);
        }
        long[] x = new long[b * t];
        long[] mask = new long[b * t];
        long[] y = new long[task == Task.CAUSAL_LM ? b * t : b];
        int tokens = 0;
        for (int r = 0; r < b; r++) {
            int[] e = ids.get(indices[r]);
            for (int c = 0; c < t; c++) {
                boolean real = c < e.length;
                x[r * t + c] = real ? e[c] : padTokenId;
                mask[r * t + c] = real ? 1 : 0;
                if (task == Task.CAUSAL_LM) {
                    y[r * t + c] = real ? e[c] : Losses.IGNORE_INDEX;
                }
            }
            tokens += e.length;
            if (task == Task.SEQ_CLS) {
                y[r] = labels[indices[r]];
            }
        }
        Shape bt = new Shape(b, t);
        return new Batch(
                manager.create(x, bt),
                manager.create(mask, bt),
                manager.create(y, task == Task.CAUSAL_LM ? bt : new Shape(b)),
                tokens);
    }

    private Batch collateSeq2Seq(int[] indices, NDManager manager) {
        int b = indices.length;
        int s = 0;
        int t = 0;
        for (int i : indices) {
            s = Math.max(s, ids.get(i).length);
            t = Math.max(t, targets.get(i).length);
        }
        long[] x = new long[b * s];
        long[] mask = new long[b * s];
        long[] y = new long[b * t];
        int tokens = 0;
        for (int r = 0; r < b; r++) {
            int[] e = ids.get(indices[r]);
            int[] target = targets.get(indices[r]);
            for (int c = 0; c < s; c++) {
                x[r * s + c] = c < e.length ? e[c] : padTokenId;
                mask[r * s + c] = c < e.length ? 1 : 0;
            }
            for (int c = 0; c < t; c++) {
                y[r * t + c] = c < target.length ? target[c] : Losses.IGNORE_INDEX;
            }
            tokens += e.length + target.length;
        }
        return new Batch(
                manager.create(x, new Shape(b, s)),
                manager.create(mask, new Shape(b, s)),
                manager.create(y, new Shape(b, t)),
                tokens);
    }

    /**
     * A padded batch. Arrays live on the manager given to {@link #collate}.
     *
     * @param tokens the number of real (non-padding) tokens, of the sources and the targets for
     *     sequence-to-sequence data
     */
    public record Batch(NDArray inputIds, NDArray attentionMask, NDArray labels, int tokens) {
        /** The number of examples. */
        public int size() {
            return Math.toIntExact(inputIds.getShape().get(0));
        }
    }
}
