package ai.peft4j.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.peft4j.Peft;
import ai.peft4j.PeftModel;
import ai.peft4j.PeftModelForCausalLM;
import ai.peft4j.PeftModelForSeq2SeqLM;
import ai.peft4j.config.TaskType;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.PreTrainedCausalLM;
import ai.peft4j.models.auto.AutoModelForCausalLM;
import ai.peft4j.models.t5.T5ForConditionalGeneration;
import ai.peft4j.testing.Golden;
import ai.peft4j.tuners.MixedBatch;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * PEFT's {@code adapter_names} (mixed-adapter batches) for LoRA, on the tiny OPT: every row of a mixed batch gives
 * what that row gives alone with its adapter active, {@code "__base__"} rows what the model gives with adapters
 * disabled; and PEFT 0.10's refusals.
 */
@DisplayName("LoRA mixed-adapter batches (adapter_names)")
class LoraMixedBatchTest {

    static final long[][] IDS = {{2, 10, 20, 30, 40}, {2, 5, 6, 7, 8}, {2, 41, 42, 43, 44}, {2, 11, 12, 13, 14}};

    NDManager manager;
    PreTrainedCausalLM base;
    PeftModelForCausalLM peft;

    static LoraConfig config(int r, String... targets) {
        return Peft.lora()
                .r(r)
                .alpha(2 * r)
                .targets(targets)
                .set(LoraConfig.INIT_LORA_WEIGHTS, LoraConfig.InitLoraWeights.FALSE)
                .task(TaskType.CAUSAL_LM)
                .build();
    }

    @BeforeEach
    void load() {
        manager = NDManager.newBaseManager();
        base = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        // Two adapters with their own random weights, on different layers; both on the embeddings.
        peft = (PeftModelForCausalLM) PeftModel.getPeftModel(base, config(4, "q_proj", "v_proj", "embed_tokens"), "a");
        peft.addAdapter("b", config(2, "k_proj", "fc1", "embed_tokens"));
    }

    @AfterEach
    void close() {
        peft.close();
        manager.close();
    }

    NDArray ids(int... rows) {
        long[][] picked = new long[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            picked[i] = IDS[rows[i]];
        }
        return manager.create(picked);
    }

    /** Row {@code row} alone with adapter {@code name} active ({@code "__base__"}: adapters disabled). */
    NDArray alone(int row, String name) {
        if (name.equals(MixedBatch.BASE)) {
            try (PeftModel.AdapterSwitch off = peft.disableAdapter()) {
                return peft.forward(ids(row), null, null).logits();
            }
        }
        peft.setAdapter(name);
        return peft.forward(ids(row), null, null).logits();
    }

    static float maxAbsDiff(NDArray x, NDArray y) {
        return x.sub(y).abs().max().getFloat();
    }

    @Test
    @DisplayName("each row of a mixed batch equals that row alone with its adapter (or with adapters disabled)")
    void rowsMatchSingleAdapterRuns() {
        List<String> names = List.of("b", MixedBatch.BASE, "a", "b");
        NDArray mixed = peft.forward(ids(0, 1, 2, 3), null, null, names).logits();
        assertNull(MixedBatch.current(), "the names are cleared after the forward");
        for (int row = 0; row < names.size(); row++) {
            NDArray expected = alone(row, names.get(row));
            NDArray got = mixed.get(new NDIndex("{}:{}", row, row + 1));
            Golden.assertClose(expected, got, 1e-5, "row " + row + " (" + names.get(row) + ")");
        }
        // Not vacuous: the two adapters and the base model give different logits for the same row.
        NDArray baseRow = alone(0, MixedBatch.BASE);
        assertTrue(maxAbsDiff(alone(0, "a"), baseRow) > 1e-3, "adapter a changes the logits");
        assertTrue(maxAbsDiff(alone(0, "b"), baseRow) > 1e-3, "adapter b changes the logits");
        assertTrue(maxAbsDiff(alone(0, "a"), alone(0, "b")) > 1e-3, "a and b differ");
    }

    @Test
    @DisplayName("the names do not depend on the active adapter, and null names are the plain forward")
    void independentOfActiveAdapterAndNullIsPlain() {
        List<String> names = List.of("a", "b");
        peft.setAdapter("a");
        NDArray withA = peft.forward(ids(0, 1), null, null, names).logits();
        peft.setAdapter("b");
        NDArray withB = peft.forward(ids(0, 1), null, null, names).logits();
        Golden.assertClose(withA, withB, 1e-6, "same names, other active adapter");
        Golden.assertClose(
                peft.forward(ids(0, 1), null, null).logits(),
                peft.forward(ids(0, 1), null, null, null).logits(),
                0,
                "null names");
        // The names also reach the layers through the generic forward.
        NDList out = peft.forward(
                new ParameterStore(manager, false),
                new NDList(ids(0, 1), manager.ones(new ai.djl.ndarray.types.Shape(2, 5))),
                false,
                names);
        assertEquals(2, out.head().getShape().get(0));
    }

    @Test
    @DisplayName("all rows on one adapter (embeddings included) equal that adapter active for the whole batch")
    void allRowsOneAdapter() {
        peft.setAdapter("b");
        NDArray expected = peft.forward(ids(0, 1, 2), null, null).logits();
        peft.setAdapter("a");
        NDArray got =
                peft.forward(ids(0, 1, 2), null, null, List.of("b", "b", "b")).logits();
        Golden.assertClose(expected, got, 1e-5, "all b");
        LoraEmbedding embed =
                (LoraEmbedding) ((LoraModel) peft.baseModel()).tunerLayers().get("model.decoder.embed_tokens");
        assertTrue(embed.adapterNames().containsAll(List.of("a", "b")), "both adapters wrap the embeddings");
    }

    @Test
    @DisplayName("greedy generate with a mixed batch equals each row generated alone with its adapter")
    void generateMatchesPerRow() {
        List<String> names = List.of("a", MixedBatch.BASE, "b");
        GenerationConfig greedy = GenerationConfig.greedy(6);
        long[][] mixed = toRows(peft.generate(ids(0, 1, 2), null, greedy, names));
        assertNull(MixedBatch.current());
        for (int row = 0; row < names.size(); row++) {
            NDArray single;
            if (names.get(row).equals(MixedBatch.BASE)) {
                try (PeftModel.AdapterSwitch off = peft.disableAdapter()) {
                    single = peft.generate(ids(row), null, greedy);
                }
            } else {
                peft.setAdapter(names.get(row));
                single = peft.generate(ids(row), null, greedy);
            }
            long[] alone = single.toLongArray();
            // A row that ended alone at EOS is only padded further in the batch.
            assertArrayEquals(alone, java.util.Arrays.copyOf(mixed[row], alone.length), "row " + row);
        }
        assertTrue(
                !java.util.Arrays.equals(mixed[0], mixed[1]) || !java.util.Arrays.equals(mixed[1], mixed[2]),
                "the adapters change what is generated");
    }

    @Test
    @DisplayName("T5 (PeftModelForSeq2SeqLM): mixed forward and greedy generate equal each row alone")
    void seq2seq() {
        T5ForConditionalGeneration t5 =
                T5ForConditionalGeneration.fromPretrained(Golden.hfReference().resolve("wave2/tiny_t5"));
        try (PeftModelForSeq2SeqLM s2s =
                (PeftModelForSeq2SeqLM) PeftModel.getPeftModel(t5, t5Config(4, "q", "v"), "a")) {
            s2s.addAdapter("b", t5Config(2, "k", "o", "wi"));
            List<String> names = List.of("b", MixedBatch.BASE, "a");
            NDArray x = ids(0, 1, 2);
            NDArray labels = manager.create(new long[][] {{5, 6, 1}, {7, 8, 1}, {9, 10, 1}});
            NDArray logits = s2s.forward(x, null, labels, names).logits();
            long[][] generated = toRows(s2s.generate(x, null, GenerationConfig.greedy(5), names));
            for (int row = 0; row < names.size(); row++) {
                NDArray expected;
                long[] alone;
                NDArray oneLabel = labels.get(new NDIndex("{}:{}", row, row + 1));
                if (names.get(row).equals(MixedBatch.BASE)) {
                    try (PeftModel.AdapterSwitch off = s2s.disableAdapter()) {
                        expected = s2s.forward(ids(row), null, oneLabel).logits();
                        alone = s2s.generate(ids(row), null, GenerationConfig.greedy(5))
                                .toLongArray();
                    }
                } else {
                    s2s.setAdapter(names.get(row));
                    expected = s2s.forward(ids(row), null, oneLabel).logits();
                    alone = s2s.generate(ids(row), null, GenerationConfig.greedy(5))
                            .toLongArray();
                }
                Golden.assertClose(expected, logits.get(new NDIndex("{}:{}", row, row + 1)), 1e-5, "row " + row);
                assertArrayEquals(alone, java.util.Arrays.copyOf(generated[row], alone.length), "generated row " + row);
            }
            try (PeftModel.AdapterSwitch off = s2s.disableAdapter()) { // not vacuous: the adapters change row 0
                NDArray plain = s2s.forward(ids(0), null, labels.get(new NDIndex("0:1")))
                        .logits();
                assertTrue(maxAbsDiff(plain, logits.get(new NDIndex("0:1"))) > 1e-3, "adapter b changes T5's logits");
            }
        }
    }

    static LoraConfig t5Config(int r, String... targets) {
        return Peft.lora()
                .r(r)
                .alpha(2 * r)
                .targets(targets)
                .set(LoraConfig.INIT_LORA_WEIGHTS, LoraConfig.InitLoraWeights.FALSE)
                .task(TaskType.SEQ_2_SEQ_LM)
                .build();
    }

    static long[][] toRows(NDArray ids) {
        int rows = (int) ids.getShape().get(0);
        int cols = (int) ids.getShape().get(1);
        long[] flat = ids.toLongArray();
        long[][] out = new long[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = java.util.Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
        }
        return out;
    }

    @Test
    @DisplayName("refused as PEFT 0.10 refuses: merged adapters, DoRA, training mode, wrong length; unknown names")
    void refusals() {
        List<String> two = List.of("a", "b");
        NDArray x = ids(0, 1);

        IllegalArgumentException length =
                assertThrows(IllegalArgumentException.class, () -> peft.forward(x, null, null, List.of("a")));
        assertEquals(
                "Length of `adapter_names` should be the same as the number of inputs, but got 1 and 2 respectively.",
                length.getMessage());

        IllegalArgumentException unknown =
                assertThrows(IllegalArgumentException.class, () -> peft.forward(x, null, null, List.of("a", "c")));
        assertTrue(
                unknown.getMessage().contains("'c'") && unknown.getMessage().contains("[a, b]"), unknown.getMessage());

        base.train();
        IllegalStateException training =
                assertThrows(IllegalStateException.class, () -> peft.forward(x, null, null, two));
        assertEquals("Cannot pass `adapter_names` when the model is in training mode.", training.getMessage());
        assertThrows(IllegalStateException.class, () -> peft.generate(x, null, GenerationConfig.greedy(2), two));
        base.eval();

        peft.setAdapter("a");
        peft.mergeAdapter();
        IllegalStateException merged =
                assertThrows(IllegalStateException.class, () -> peft.forward(x, null, null, two));
        assertEquals(
                "Cannot pass `adapter_names` when there are merged adapters, please call `unmerge_adapter` first.",
                merged.getMessage());
        peft.unmergeAdapter();

        peft.addAdapter(
                "d",
                Peft.lora()
                        .r(2)
                        .targets("q_proj")
                        .dora()
                        .task(TaskType.CAUSAL_LM)
                        .build());
        IllegalArgumentException dora = assertThrows(
                IllegalArgumentException.class, () -> peft.forward(x, null, null, List.of("d", MixedBatch.BASE)));
        assertEquals("Cannot pass `adapter_names` when DoRA is enabled.", dora.getMessage());
        peft.setAdapter("d"); // PEFT checks the active adapters too
        assertThrows(IllegalArgumentException.class, () -> peft.forward(x, null, null, two));

        assertNull(MixedBatch.current(), "a refused forward leaves no names behind");
    }

    @Test
    @DisplayName("methods other than LoRA refuse adapter_names (PEFT 0.10 has them for LoRA only)")
    void otherMethodsRefuse() {
        PreTrainedCausalLM other = AutoModelForCausalLM.fromPretrained(Golden.tinyOpt());
        PeftModelForCausalLM ia3 =
                (PeftModelForCausalLM) Peft.ia3().task(TaskType.CAUSAL_LM).apply(other);
        try {
            UnsupportedOperationException e = assertThrows(
                    UnsupportedOperationException.class, () -> ia3.forward(ids(0), null, null, List.of("default")));
            assertTrue(e.getMessage().contains("LoRA"), e.getMessage());
        } finally {
            ia3.close();
        }
    }
}
