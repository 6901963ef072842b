package ai.peft4j.models.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.peft4j.io.safetensors.SafetensorsFile;
import ai.peft4j.models.GenerationConfig;
import ai.peft4j.models.auto.AutoModelForSeq2SeqLM;
import ai.peft4j.nn.ModuleTree;
import ai.peft4j.testing.Golden;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * T5 against {@code hf-reference/wave2/tiny_t5}: what transformers 4.39 (the v4.39 branch point, eager) computed for
 * a tiny T5 with tied embeddings and a relu feed-forward (see that folder's README).
 */
@DisplayName("T5 (T5ForConditionalGeneration)")
class T5ForConditionalGenerationTest {

    static final double LOGITS_TOL = 1e-4;
    static final double LOSS_TOL = 1e-5;

    static Path tinyT5() {
        return Golden.hfReference().resolve("wave2/tiny_t5");
    }

    static JsonNode golden() {
        return Golden.read(tinyT5().resolve("golden_base.json"));
    }

    @Test
    @DisplayName("labels shifted into decoder inputs; logits (padded encoder row included) and loss are transformers'")
    void logitsAndLoss() {
        JsonNode g = golden();
        JsonNode in = g.get("inputs");
        try (var t5 = AutoModelForSeq2SeqLM.fromPretrained(tinyT5());
                NDManager m = NDManager.newBaseManager()) {
            assertInstanceOf(T5ForConditionalGeneration.class, t5);
            NDArray labels = Golden.longs(m, in.get("labels"));
            assertArrayEquals(
                    Golden.longs(
                                    m,
                                    g.get(
                                            "decoder_input_ids (model._shift_right(labels): prepend decoder_start 0, -100 -> pad 0)"))
                            .toLongArray(),
                    t5.shiftRight(labels).toLongArray());
            Seq2SeqLMOutput out =
                    t5.forward(Golden.longs(m, in.get("input_ids")), Golden.longs(m, in.get("attention_mask")), labels);
            Golden.assertClose(Golden.floats(m, g.get("logits")), out.logits(), LOGITS_TOL, "logits");
            assertEquals(g.get("loss_with_labels").asDouble(), out.loss().getFloat(), LOSS_TOL);
        }
    }

    @Test
    @DisplayName("greedy generate from decoder start 0 with the cache: transformers' tokens and per-step scores")
    void generate() {
        JsonNode g = golden();
        JsonNode in = g.get("generate_inputs");
        try (var t5 = T5ForConditionalGeneration.fromPretrained(tinyT5());
                NDManager m = NDManager.newBaseManager()) {
            NDArray ids = Golden.longs(m, in.get("input_ids"));
            NDArray mask = Golden.longs(m, in.get("attention_mask"));
            int n = in.get("max_new_tokens").asInt();
            assertArrayEquals(
                    Golden.longs(m, g.get("generate")).toLongArray(),
                    t5.generate(ids, mask, GenerationConfig.greedy(n)).toLongArray(),
                    "with EOS 1");
            List<float[]> scores = new ArrayList<>();
            NDArray out =
                    t5.generate(ids, null, mask, GenerationConfig.greedy(n).withEosTokenId(null), scores);
            assertArrayEquals(
                    Golden.longs(m, g.get("generate_no_eos")).toLongArray(), out.toLongArray(), "without EOS");
            JsonNode expected = g.get("generate_scores_no_eos (per step [batch, vocab])");
            assertEquals(expected.size(), scores.size());
            for (int step = 0; step < scores.size(); step++) {
                Golden.assertClose(
                        Golden.floats(m, expected.get(step)),
                        m.create(scores.get(step)).reshape(2, -1),
                        LOGITS_TOL,
                        "scores of step " + step);
            }
        }
    }

    @Test
    @DisplayName("state-dict names are transformers'; save writes shared.weight once and reloads the same model")
    void stateDictNames(@TempDir Path dir) throws Exception {
        JsonNode g = golden();
        try (var t5 = T5ForConditionalGeneration.fromPretrained(tinyT5());
                NDManager m = NDManager.newBaseManager()) {
            List<String> names = new ArrayList<>(ModuleTree.namedParameters(t5).keySet());
            List<String> expected = new ArrayList<>();
            g.get("state_dict_keys_in_memory").forEach(k -> expected.add(k.asText()));
            assertEquals(new TreeSet<>(expected), new TreeSet<>(names));
            t5.savePretrained(dir);
            Set<String> fileKeys = new TreeSet<>(
                    g.get("files").get("model.safetensors").get("safetensors_header").properties().stream()
                            .map(e -> e.getKey())
                            .filter(k -> !k.equals("__metadata__"))
                            .toList());
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                assertEquals(fileKeys, new TreeSet<>(f.names()));
            }
            try (var again = T5ForConditionalGeneration.fromPretrained(dir)) {
                JsonNode in = g.get("inputs");
                Seq2SeqLMOutput out = again.forward(
                        Golden.longs(m, in.get("input_ids")),
                        Golden.longs(m, in.get("attention_mask")),
                        Golden.longs(m, in.get("labels")));
                assertEquals(g.get("loss_with_labels").asDouble(), out.loss().getFloat(), LOSS_TOL);
            }
        }
    }

    @Test
    @DisplayName("relative-position buckets: bidirectional and causal, exact below 8/16, logarithmic up to 128")
    void buckets() {
        // transformers' _relative_position_bucket with 32 buckets, max distance 128
        assertEquals(0, T5Attention.relativePositionBucket(0, true, 32, 128));
        assertEquals(1, T5Attention.relativePositionBucket(-1, true, 32, 128));
        assertEquals(17, T5Attention.relativePositionBucket(1, true, 32, 128));
        assertEquals(8, T5Attention.relativePositionBucket(-8, true, 32, 128));
        assertEquals(15, T5Attention.relativePositionBucket(-1000, true, 32, 128));
        assertEquals(0, T5Attention.relativePositionBucket(5, false, 32, 128));
        assertEquals(15, T5Attention.relativePositionBucket(-15, false, 32, 128));
        assertEquals(16, T5Attention.relativePositionBucket(-16, false, 32, 128));
        assertEquals(31, T5Attention.relativePositionBucket(-500, false, 32, 128));
    }

    @Test
    @DisplayName("shipped configs counted without weights: t5-small/base/large tied, mt0-large untied and gated")
    void shippedCounts() {
        String[] ids = {"t5-small", "t5-base", "t5-large", "bigscience/mt0-large"};
        long[] expected = {60_506_624L, 222_903_552L, 737_668_096L, 1_229_581_312L};
        for (int i = 0; i < ids.length; i++) {
            T5Config c = T5Config.named(ids[i]);
            assertEquals(expected[i], ModuleTree.countParameters(new T5ForConditionalGeneration(c)), ids[i]);
        }
        T5Config mt0 = T5Config.named("bigscience/mt0-large");
        assertTrue(mt0.isMt5() && mt0.isGatedAct());
        assertFalse(mt0.tieWordEmbeddings());
        assertEquals("gelu_new", mt0.denseActFn());
    }

    @Test
    @DisplayName("config: transformers' defaults per model type; a bad feed_forward_proj is refused by name")
    void configDefaults() {
        T5Config t5 = T5Config.builder().build();
        assertEquals(32128, t5.vocabSize());
        assertEquals("relu", t5.feedForwardProj());
        assertTrue(t5.tieWordEmbeddings());
        assertEquals(6, t5.numDecoderLayers());
        T5Config mt5 = T5Config.mt5Builder().build();
        assertEquals(250112, mt5.vocabSize());
        assertTrue(mt5.isGatedAct());
        assertFalse(mt5.tieWordEmbeddings());
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> T5Config.builder().set("feed_forward_proj", "relu-gated").build());
        assertTrue(e.getMessage().contains("feed_forward_proj"), e.getMessage());
    }
}
