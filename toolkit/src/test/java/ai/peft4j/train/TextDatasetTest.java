package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDManager;
import ai.peft4j.testing.Tokenizers;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

@DisplayName("TextDataset")
class TextDatasetTest {

    static final Map<String, Integer> VOCAB =
            Map.of("<pad>", 0, "<unk>", 1, "the", 2, "cat", 3, "sat", 4, "on", 5, "mat", 6, "good", 7, "bad", 8);

    /** A WordLevel tokenizer.json over {@link #VOCAB}. */
    static Path writeTokenizerJson(Path dir) throws Exception {
        return Tokenizers.writeWordLevel(dir, VOCAB);
    }

    @Test
    @DisplayName("a Hugging Face tokenizer.json loads offline through DJL's bundled native library")
    void hfTokenizer(@TempDir Path dir) throws Exception {
        TextTokenizer tok = TextTokenizer.fromFile(writeTokenizerJson(dir), 0);
        assertArrayEquals(new int[] {2, 3, 4, 5, 2, 6}, tok.encode("the cat sat on the mat"));
        assertArrayEquals(new int[] {2, 1}, tok.encode("the dog"));
        TextTokenizer words = TextTokenizer.words(VOCAB, 1, 0);
        assertArrayEquals(tok.encode("the cat sat on the mat"), words.encode("the cat sat on the mat"));
    }

    @Test
    @DisplayName("causal-LM batches are right-padded, masked, and labelled -100 on padding")
    void causalBatch() {
        TextTokenizer tok = TextTokenizer.words(VOCAB, 1, 0);
        TextDataset d = TextDataset.causalLm(List.of("the cat sat on the mat", "the cat", "good"), tok, 4);
        assertArrayEquals(new int[] {2, 3, 4, 5}, d.tokenIds(0), "truncated to maxLength");
        try (NDManager m = NDManager.newBaseManager()) {
            TextDataset.Batch b = d.collate(new int[] {1, 0, 2}, m);
            assertEquals(new ai.djl.ndarray.types.Shape(3, 4), b.inputIds().getShape());
            assertArrayEquals(
                    new long[] {2, 3, 0, 0, 2, 3, 4, 5, 7, 0, 0, 0},
                    b.inputIds().toLongArray());
            assertArrayEquals(
                    new long[] {1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0},
                    b.attentionMask().toLongArray());
            assertArrayEquals(
                    new long[] {2, 3, -100, -100, 2, 3, 4, 5, 7, -100, -100, -100},
                    b.labels().toLongArray());
            assertEquals(7, b.tokens());
        }
    }

    @Test
    @DisplayName("classification from a Tablesaw table: text labels map to sorted ids")
    void classificationTable() {
        Table t = Table.create(
                "reviews",
                StringColumn.create("text", "good cat", "bad mat", "the good"),
                StringColumn.create("sentiment", "pos", "neg", "pos"),
                IntColumn.create("y", 1, 0, 1));
        TextTokenizer tok = TextTokenizer.words(VOCAB, 1, 0);
        TextDataset byName = TextDataset.classification(t, "text", "sentiment", tok, 8);
        assertEquals(List.of("neg", "pos"), byName.labelNames());
        TextDataset byId = TextDataset.classification(t, "text", "y", tok, 8);
        try (NDManager m = NDManager.newBaseManager()) {
            assertArrayEquals(
                    new long[] {1, 0, 1},
                    byName.collate(new int[] {0, 1, 2}, m).labels().toLongArray());
            assertArrayEquals(
                    new long[] {1, 0, 1},
                    byId.collate(new int[] {0, 1, 2}, m).labels().toLongArray());
        }
        TextDataset lm = TextDataset.causalLm(t, "text", tok, 8);
        assertEquals(3, lm.size());
    }

    @Test
    @DisplayName("shuffling is seeded per epoch and covers every example once")
    void shuffling() {
        TextDataset d = Tiny.countingData(10, 1);
        List<int[]> e0 = d.batchOrder(3, true, 42, 0);
        assertEquals(4, e0.size());
        assertEquals(1, e0.get(3).length, "last batch keeps the rest");
        int[] flat = e0.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, flat);
        assertArrayEquals(e0.get(0), d.batchOrder(3, true, 42, 0).get(0), "same seed, same order");
        assertNotEquals(
                Arrays.toString(e0.get(0)) + Arrays.toString(e0.get(1)),
                Arrays.toString(d.batchOrder(3, true, 42, 1).get(0))
                        + Arrays.toString(d.batchOrder(3, true, 42, 1).get(1)),
                "another epoch, another order");
        assertArrayEquals(new int[] {0, 1, 2}, d.batchOrder(3, false, 42, 5).get(0));
    }
}
