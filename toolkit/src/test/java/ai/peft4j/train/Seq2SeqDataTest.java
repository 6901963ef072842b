package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.Peft;
import ai.peft4j.PeftModelForSeq2SeqLM;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.t5.Seq2SeqLMOutput;
import ai.peft4j.models.t5.T5Config;
import ai.peft4j.models.t5.T5ForConditionalGeneration;
import ai.peft4j.tuners.Initialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Source/target pairs for T5-style models, and {@link PeftTrainer} training a {@link PeftModelForSeq2SeqLM}. */
@DisplayName("Sequence-to-sequence data and training")
class Seq2SeqDataTest {

    /** T5's special ids: 0 pads (and starts the decoder), 1 ends a sequence. */
    static final Map<String, Integer> VOCAB =
            Map.of("<pad>", 0, "</s>", 1, "<unk>", 2, "the", 3, "cat", 4, "sat", 5, "good", 6, "bad", 7, "mat", 8);

    static final TextTokenizer WORDS = TextTokenizer.words(VOCAB, 2, 0);

    static T5Config tinyT5() {
        return T5Config.builder()
                .set("vocab_size", 12)
                .set("d_model", 16)
                .set("d_kv", 4)
                .set("num_heads", 2)
                .set("d_ff", 32)
                .set("num_layers", 1)
                .set("dropout_rate", 0.0)
                .build();
    }

    @Test
    @DisplayName(
            "batches: sources right-padded and masked, targets as labels padded with -100 (DataCollatorForSeq2Seq)")
    void batch() {
        TextDataset d = TextDataset.seq2seq(
                List.of("the cat sat on the mat", "good"), List.of("good", "the bad mat"), WORDS, 4, 8);
        assertEquals(TextDataset.Task.SEQ_2_SEQ_LM, d.task());
        assertArrayEquals(new int[] {3, 4, 5, 2}, d.tokenIds(0), "source truncated to maxSourceLength");
        assertArrayEquals(new int[] {3, 7, 8}, d.targetIds(1));
        try (NDManager m = NDManager.newBaseManager()) {
            TextDataset.Batch b = d.collate(new int[] {0, 1}, m);
            assertEquals(new Shape(2, 4), b.inputIds().getShape());
            assertArrayEquals(new long[] {3, 4, 5, 2, 6, 0, 0, 0}, b.inputIds().toLongArray());
            assertArrayEquals(
                    new long[] {1, 1, 1, 1, 1, 0, 0, 0}, b.attentionMask().toLongArray());
            assertEquals(new Shape(2, 3), b.labels().getShape(), "labels as long as the longest target");
            assertArrayEquals(
                    new long[] {6, -100, -100, 3, 7, 8}, b.labels().toLongArray(), "not shifted: the model shifts");
            assertEquals(9, b.tokens(), "source and target tokens");
        }
    }

    @Test
    @DisplayName("the model shifts the labels into its decoder inputs, and the loss skips -100")
    void modelShiftsLabels() {
        TextDataset d = TextDataset.seq2seq(List.of("the cat", "good"), List.of("good", "the bad mat"), WORDS, 8, 8);
        try (T5ForConditionalGeneration t5 = T5ForConditionalGeneration.fromConfig(tinyT5(), 3);
                NDManager m = NDManager.newBaseManager()) {
            TextDataset.Batch b = d.collate(new int[] {0, 1}, m);
            assertArrayEquals(
                    new long[] {0, 6, 0, 0, 3, 7},
                    t5.shiftRight(b.labels()).toLongArray(),
                    "decoder_start_token_id first, -100 read as padding");
            Seq2SeqLMOutput out = t5.forward(b.inputIds(), b.attentionMask(), b.labels());
            NDArray logp = out.logits().logSoftmax(-1);
            long[] labels = b.labels().toLongArray();
            double sum = 0;
            int n = 0;
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] != -100) {
                    sum -= logp.getFloat(i / 3, i % 3, labels[i]);
                    n++;
                }
            }
            assertEquals(4, n);
            assertEquals(sum / n, out.loss().getFloat(), 1e-5);
        }
    }

    @Test
    @DisplayName("from a Tablesaw table, and mismatched or empty examples are refused")
    void tableAndErrors() {
        Table t = Table.create(
                "pairs", StringColumn.create("src", "the cat", "good"), StringColumn.create("tgt", "mat", "bad"));
        TextDataset d = TextDataset.seq2seq(t, "src", "tgt", WORDS, 8, 8);
        assertEquals(2, d.size());
        assertArrayEquals(new int[] {7}, d.targetIds(1));
        assertThrows(
                IllegalArgumentException.class,
                () -> TextDataset.seq2seq(List.of("the"), List.of("cat", "mat"), WORDS, 8, 8));
        IllegalArgumentException empty = assertThrows(
                IllegalArgumentException.class, () -> TextDataset.seq2seq(List.of("the"), List.of(" "), WORDS, 8, 8));
        assertTrue(empty.getMessage().contains("target"), empty.getMessage());
        assertThrows(IllegalStateException.class, () -> TextDataset.causalLm(List.of("the cat"), WORDS, 8)
                .targetIds(0));
    }

    @Test
    @DisplayName("PeftTrainer trains LoRA on a T5 with seq2seq batches: the loss falls")
    void trainerTrainsSeq2Seq() {
        List<String> src = new ArrayList<>();
        List<String> tgt = new ArrayList<>();
        String[] w = {"the", "cat", "sat", "good", "bad", "mat"};
        for (int i = 0; i < w.length; i++) {
            src.add(w[i] + " " + w[(i + 1) % w.length]);
            tgt.add(w[(i + 2) % w.length]);
        }
        TextDataset data = TextDataset.seq2seq(src, tgt, WORDS, 8, 8);
        try (T5ForConditionalGeneration t5 = T5ForConditionalGeneration.fromConfig(tinyT5(), 3)) {
            Initialization.manualSeed(1);
            PeftModelForSeq2SeqLM peft = (PeftModelForSeq2SeqLM) Peft.lora()
                    .r(4)
                    .alpha(8)
                    .targets("q", "v")
                    .task(TaskType.SEQ_2_SEQ_LM)
                    .apply(t5);
            try (PeftTrainer trainer = PeftTrainer.builder(peft)
                    .trainData(data)
                    .evalData(data)
                    .batchSize(3)
                    .maxSteps(40)
                    .learningRate(2e-2)
                    .progressBar(false)
                    .build()) {
                double before = trainer.evaluate();
                trainer.train();
                double after = trainer.evaluate();
                assertTrue(after < 0.5 * before, "eval loss " + before + " -> " + after);
            }
        }
    }
}
