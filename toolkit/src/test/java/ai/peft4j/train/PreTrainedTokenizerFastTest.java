package ai.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.peft4j.train.PreTrainedTokenizerFast.BatchEncoding;
import ai.peft4j.train.PreTrainedTokenizerFast.Padding;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer folders under {@code test/resources/tokenizers/} (see the README there) copy the
 * structure of real models' files with a vocabulary of a few tokens, so every expected id below is
 * worked out by hand from that vocabulary; the comments say how.
 */
@DisplayName("PreTrainedTokenizerFast (tokenizer.json through DJL, transformers' behaviour around it)")
class PreTrainedTokenizerFastTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path fixture(String name) {
        try {
            return Path.of(PreTrainedTokenizerFastTest.class
                    .getResource("/tokenizers/" + name)
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A writable copy of a fixture folder, for tests that change one of its files. */
    static Path copy(String name, Path dir) throws IOException {
        Path out = dir.resolve(name);
        Files.createDirectories(out);
        try (Stream<Path> files = Files.list(fixture(name))) {
            for (Path f : files.toList()) {
                Files.copy(f, out.resolve(f.getFileName()));
            }
        }
        return out;
    }

    static ObjectNode readJson(Path file) throws IOException {
        return (ObjectNode) JSON.readTree(file.toFile());
    }

    static void writeJson(Path file, ObjectNode json) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(json));
    }

    @Nested
    @DisplayName("byte-level BPE (GPT-2, Llama 3, Qwen2)")
    class ByteLevelBpe {

        @Test
        @DisplayName("GPT-2: merges applied by rank, spaces as Ġ, no special tokens added")
        void gpt2() {
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(fixture("gpt2"));
            // "hello": h e l l o -> (h e, rank 0) he l l o -> (l l, 1) he ll o -> (ll o, 2) he llo -> (he llo, 3)
            // hello = 12. " world" is one pre-token, bytes Ġ w o r l d: Ġw (4), or (5), Ġwor (6), Ġworl (7),
            // Ġworld (8) = 17.
            assertArrayEquals(new int[] {12, 17}, tok.encode("hello world"));
            // " hold" has no merge (Ġ h, h o, o l, l d are not merges): Ġ h o l d = 8 3 5 4 1; "!" = 0.
            assertArrayEquals(new int[] {12, 8, 3, 5, 4, 1, 0}, tok.encode("hello hold!"));
            // GPT-2's post-processor adds nothing, so add_special_tokens changes nothing.
            assertArrayEquals(tok.encode("hello world", false), tok.encode("hello world", true));
            // An added token in the text is matched whole, before BPE.
            assertArrayEquals(new int[] {12, 18}, tok.encode("hello<|endoftext|>"));
            assertEquals(List.of("hello", "Ġ", "h", "o", "l", "d", "!"), tok.tokenize("hello hold!"));

            assertEquals("hello world<|endoftext|>", tok.decode(new int[] {12, 17, 18}));
            assertEquals("hello world", tok.decode(new int[] {12, 17, 18}, true));
            // clean_up_tokenization_spaces defaults to True for GPT-2: "hello !" loses its space.
            assertTrue(tok.cleanUpTokenizationSpaces());
            assertEquals("hello!", tok.decode(new int[] {12, 8, 0}));

            // add_prefix_space (GPT2TokenizerFast rewrites the pre-tokenizer): " hello" is Ġ hello, as Ġhello
            // is not in the vocabulary.
            assertArrayEquals(
                    new int[] {8, 12, 17},
                    TextTokenizer.fromPretrained(fixture("gpt2"), Map.of("add_prefix_space", true))
                            .encode("hello world"));

            assertEquals("<|endoftext|>", tok.bosToken());
            assertEquals(18, tok.eosTokenId());
            assertNull(tok.padToken());
            assertEquals(1024, tok.modelMaxLength());
        }

        @Test
        @DisplayName("GPT-2 has no pad token: padding asks for one, as transformers does, and eos serves")
        void gpt2Padding() {
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(fixture("gpt2"));
            IllegalStateException e = assertThrows(IllegalStateException.class, tok::padTokenId);
            assertTrue(e.getMessage().contains("does not have a padding token"), e.getMessage());
            assertTrue(e.getMessage().contains("withPadToken(tokenizer.eosToken())"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> tok.batchEncode(List.of("hello"), Padding.LONGEST));
            assertEquals(
                    1,
                    tok.batchEncode(List.of("hello"), Padding.DO_NOT_PAD)
                            .inputIds()
                            .size());

            PreTrainedTokenizerFast padded = tok.withPadToken(tok.eosToken());
            assertEquals(18, padded.padTokenId());
            BatchEncoding b = padded.batchEncode(List.of("hello world", "hello"), Padding.LONGEST);
            assertArrayEquals(new int[] {12, 18}, b.inputIds().get(1));
            assertArrayEquals(new int[] {1, 0}, b.attentionMask().get(1));
            assertNull(tok.padToken(), "the original is unchanged");
            assertThrows(IllegalArgumentException.class, () -> tok.withPadToken("<pad>"));
        }

        @Test
        @DisplayName("Qwen2: the class's defaults give <|endoftext|> as pad token and no clean-up")
        void qwen2Defaults(@TempDir Path dir) throws IOException {
            Path qwen = copy("gpt2", dir);
            Files.delete(qwen.resolve("special_tokens_map.json"));
            Files.writeString(qwen.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"Qwen2Tokenizer\"}");
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(qwen);
            assertEquals("<|endoftext|>", tok.padToken());
            assertEquals(18, tok.padTokenId());
            assertNull(tok.bosToken());
            assertFalse(tok.cleanUpTokenizationSpaces());
            assertEquals("hello !", tok.decode(new int[] {12, 8, 0}));
            assertEquals(-1, tok.modelMaxLength(), "no model_max_length: transformers' very large integer");
        }

        @Test
        @DisplayName("Llama 3: <|begin_of_text|> prepended by the template, only with add_special_tokens")
        void llama3() {
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(fixture("llama3"));
            // Same vocabulary and merges as GPT-2, behind Llama 3's split regex; the template adds id 18.
            assertArrayEquals(new int[] {18, 12, 17}, tok.encode("hello world"));
            assertArrayEquals(new int[] {12, 17}, tok.encode("hello world", false));
            assertArrayEquals(new int[] {18, 12, 8, 3, 5, 4, 1, 0}, tok.encode("hello hold!"));
            assertEquals("<|begin_of_text|>hello world", tok.decode(new int[] {18, 12, 17}));
            assertEquals("hello world", tok.decode(new int[] {18, 12, 17, 19}, true));
            assertEquals(18, tok.bosTokenId());
            assertEquals(19, tok.eosTokenId());
            assertEquals(131072, tok.modelMaxLength());
            assertNull(tok.padToken());
            // encode never truncates (DJL's own default would cut at 512 tokens).
            // "!" x 600 is one pre-token with no merge: 600 ids after <|begin_of_text|>.
            assertEquals(601, tok.encode("!".repeat(600)).length);
        }
    }

    @Nested
    @DisplayName("SentencePiece (Llama 2 BPE, T5 Unigram)")
    class SentencePiece {

        @Test
        @DisplayName("Llama 2: ▁ for spaces, <s> prepended, byte fallback for unknown characters")
        void llama2() {
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(fixture("llama2"));
            // "the cats" is normalized to "▁the▁cats" (one word, no pre-tokenizer). Merges by rank:
            // ▁t (0), he (1), ▁the (2), ▁c (3), at (4), ▁cat (5) leave ▁the ▁cat s = 14 17 11; <s> = 1 first.
            assertArrayEquals(new int[] {1, 14, 17, 11}, tok.encode("the cats"));
            assertArrayEquals(new int[] {14, 17, 11}, tok.encode("the cats", false));
            // "é" is not in the vocabulary: its UTF-8 bytes C3 A9 become <0xC3> <0xA9> = 3 4, after ▁ = 5.
            assertArrayEquals(new int[] {1, 5, 3, 4}, tok.encode("é"));
            assertEquals("<s> the cats", tok.decode(new int[] {1, 14, 17, 11}));
            assertEquals("the cats", tok.decode(new int[] {1, 14, 17, 11, 2}, true));
            assertEquals("é", tok.decode(new int[] {5, 3, 4}));
            assertEquals(Map.of("bos_token", "<s>", "eos_token", "</s>", "unk_token", "<unk>"), tok.specialTokensMap());
            assertFalse(tok.cleanUpTokenizationSpaces());
            assertEquals(-1, tok.modelMaxLength(), "1e30 in the config means no limit");
        }

        @Test
        @DisplayName("Llama 2: add_bos_token/add_eos_token rebuild the template, as LlamaTokenizerFast does")
        void llama2BosEos(@TempDir Path dir) throws IOException {
            PreTrainedTokenizerFast eos =
                    TextTokenizer.fromPretrained(fixture("llama2"), Map.of("add_eos_token", true));
            assertArrayEquals(new int[] {1, 14, 17, 11, 2}, eos.encode("the cats"));
            assertArrayEquals(new int[] {14, 17, 11}, eos.encode("the cats", false));

            Path noBos = copy("llama2", dir);
            ObjectNode config = readJson(noBos.resolve("tokenizer_config.json"));
            config.put("add_bos_token", false);
            writeJson(noBos.resolve("tokenizer_config.json"), config);
            assertArrayEquals(
                    new int[] {14, 17, 11}, TextTokenizer.fromPretrained(noBos).encode("the cats"));
        }

        @Test
        @DisplayName("Llama 2 batches for generation: pad with eos on the left")
        void llama2LeftPadding() {
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(fixture("llama2"))
                    .withPadToken("</s>")
                    .withPaddingSide("left");
            BatchEncoding b = tok.batchEncode(List.of("the", "the cats"), Padding.LONGEST);
            assertArrayEquals(new int[] {2, 2, 1, 14}, b.inputIds().get(0));
            assertArrayEquals(new int[] {0, 0, 1, 1}, b.attentionMask().get(0));
            assertArrayEquals(new int[] {1, 14, 17, 11}, b.inputIds().get(1));
            assertArrayEquals(new int[] {1, 1, 1, 1}, b.attentionMask().get(1));
        }

        @Test
        @DisplayName("T5: Unigram picks the best-scoring pieces, </s> appended, unknown characters fused")
        void t5() {
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(fixture("t5"));
            // Words become ▁the ▁cats ▁sat. ▁the (-3) and ▁sat (-4.5) are whole pieces; ▁cats is best as
            // ▁cat + s (-4 - 3.5 = -7.5; ▁c + at + s gives -13.5): 4, 5 6, 12; then </s> = 1.
            assertArrayEquals(new int[] {4, 5, 6, 12, 1}, tok.encode("the cats sat"));
            assertArrayEquals(new int[] {4, 5, 6, 12}, tok.encode("the cats sat", false));
            // ▁dog: ▁ = 3, then d o g are unknown and fused into one <unk> = 2.
            assertArrayEquals(new int[] {4, 3, 2, 1}, tok.encode("the dog"));
            assertArrayEquals(new int[] {4, 13, 1}, tok.encode("the <extra_id_0>"));
            assertEquals("the cats sat</s>", tok.decode(new int[] {4, 5, 6, 12, 1}));
            assertEquals("the cats sat", tok.decode(new int[] {4, 5, 6, 12, 1}, true));
            assertEquals("<pad> the</s>", tok.decode(new int[] {0, 4, 1}));
            assertEquals("the", tok.decode(new int[] {0, 4, 13, 1}, true));
            assertEquals(0, tok.padTokenId());
            assertEquals(1, tok.eosTokenId());
            assertNull(tok.bosTokenId());
            assertEquals(512, tok.modelMaxLength());
        }
    }

    @Nested
    @DisplayName("WordPiece (BERT)")
    class WordPiece {

        @Test
        @DisplayName("lowercased, split greedily into ## pieces, [CLS] ... [SEP]")
        void bert() {
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(fixture("bert"));
            // "Playing" -> "playing" -> longest prefix "play" (5) + "##ing" (6); "cats" -> cat (7) ##s (8);
            // "!" (9) is its own pre-token; the template wraps with [CLS] = 2 and [SEP] = 3.
            assertArrayEquals(new int[] {2, 5, 6, 7, 8, 9, 3}, tok.encode("Playing cats!"));
            assertArrayEquals(new int[] {5, 6, 7, 8, 9}, tok.encode("Playing cats!", false));
            // "zebra" has no piece at all: the whole word is [UNK] = 1.
            assertArrayEquals(new int[] {2, 10, 1, 3}, tok.encode("the zebra"));
            assertEquals("[CLS] playing cats! [SEP]", tok.decode(new int[] {2, 5, 6, 7, 8, 9, 3}));
            assertEquals("playing cats!", tok.decode(new int[] {2, 5, 6, 7, 8, 9, 3}, true));
            assertEquals(
                    List.of("playing cats!", "the"),
                    tok.batchDecode(List.of(new int[] {2, 5, 6, 7, 8, 9, 3}, new int[] {2, 10, 3, 0}), true));
            assertEquals(
                    Map.of(
                            "unk_token", "[UNK]",
                            "sep_token", "[SEP]",
                            "pad_token", "[PAD]",
                            "cls_token", "[CLS]",
                            "mask_token", "[MASK]"),
                    tok.specialTokensMap());
            assertEquals(0, tok.padTokenId());
            assertEquals(4, tok.convertTokensToIds("[MASK]"));
            assertEquals(1, tok.convertTokensToIds("zebra"), "unknown tokens map to [UNK]");
        }
    }

    @Nested
    @DisplayName("batches: padding, truncation, attention masks")
    class Batches {

        @Test
        @DisplayName("padding to the longest row on the right (the default), mask 0 on padding")
        void rightPadding() {
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(fixture("bert"));
            assertEquals("right", tok.paddingSide());
            BatchEncoding b = tok.batchEncode(List.of("Playing cats!", "the"), Padding.LONGEST);
            assertArrayEquals(new int[] {2, 5, 6, 7, 8, 9, 3}, b.inputIds().get(0));
            assertArrayEquals(new int[] {2, 10, 3, 0, 0, 0, 0}, b.inputIds().get(1));
            assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1}, b.attentionMask().get(0));
            assertArrayEquals(new int[] {1, 1, 1, 0, 0, 0, 0}, b.attentionMask().get(1));
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray ids = b.inputIds(m);
                assertEquals(new Shape(2, 7), ids.getShape());
                assertEquals(DataType.INT64, ids.getDataType());
                assertArrayEquals(new long[] {2, 10, 3, 0, 0, 0, 0}, ids.get(1).toLongArray());
                assertArrayEquals(
                        new long[] {1, 1, 1, 0, 0, 0, 0},
                        b.attentionMask(m).get(1).toLongArray());
            }
        }

        @Test
        @DisplayName("padding_side from tokenizer_config.json, overridden by the caller")
        void paddingSideFromConfig(@TempDir Path dir) throws IOException {
            Path left = copy("bert", dir);
            ObjectNode config = readJson(left.resolve("tokenizer_config.json"));
            config.put("padding_side", "left");
            writeJson(left.resolve("tokenizer_config.json"), config);

            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(left);
            assertEquals("left", tok.paddingSide());
            BatchEncoding b = tok.batchEncode(List.of("Playing cats!", "the"), Padding.LONGEST);
            assertArrayEquals(new int[] {0, 0, 0, 0, 2, 10, 3}, b.inputIds().get(1));
            assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1}, b.attentionMask().get(1));

            PreTrainedTokenizerFast right = TextTokenizer.fromPretrained(left, Map.of("padding_side", "right"));
            assertArrayEquals(
                    new int[] {2, 10, 3, 0, 0, 0, 0},
                    right.batchEncode(List.of("Playing cats!", "the"), Padding.LONGEST)
                            .inputIds()
                            .get(1));
            assertEquals("right", tok.withPaddingSide("right").paddingSide());
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> tok.withPaddingSide("middle"));
            assertTrue(e.getMessage().contains("between 'right' and 'left'"), e.getMessage());
        }

        @Test
        @DisplayName("truncation keeps [CLS]/[SEP] and cuts the text on the truncation side")
        void truncation() {
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(fixture("bert"));
            List<String> text = List.of("Playing cats! the the");
            // Text pieces: play ##ing cat ##s ! the the; max_length 5 leaves 3 of them between [CLS] and [SEP].
            assertArrayEquals(
                    new int[] {2, 5, 6, 7, 3},
                    tok.batchEncode(text, Padding.DO_NOT_PAD, 5).inputIds().get(0));
            assertArrayEquals(
                    new int[] {2, 9, 10, 10, 3},
                    tok.withTruncationSide("left")
                            .batchEncode(text, Padding.DO_NOT_PAD, 5)
                            .inputIds()
                            .get(0));
            // Without special tokens the 5 are all text.
            assertArrayEquals(
                    new int[] {5, 6, 7, 8, 9},
                    tok.batchEncode(text, false, Padding.DO_NOT_PAD, 5, true)
                            .inputIds()
                            .get(0));
            // No truncation asked: the row keeps its 9 ids.
            assertEquals(
                    9,
                    tok.batchEncode(text, true, Padding.DO_NOT_PAD, 5, false)
                            .inputIds()
                            .get(0)
                            .length);
            // max_length None: truncation uses model_max_length.
            PreTrainedTokenizerFast short4 =
                    TextTokenizer.fromPretrained(fixture("bert"), Map.of("model_max_length", 4));
            assertArrayEquals(
                    new int[] {2, 5, 6, 3},
                    short4.batchEncode(text, true, Padding.DO_NOT_PAD, -1, true)
                            .inputIds()
                            .get(0));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> tok.batchEncode(text, Padding.DO_NOT_PAD, 1));
            assertTrue(e.getMessage().contains("special tokens"), e.getMessage());
        }

        @Test
        @DisplayName("MAX_LENGTH pads every row to max_length; DO_NOT_PAD leaves rows ragged")
        void maxLengthAndRagged() {
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(fixture("bert"));
            BatchEncoding b = tok.batchEncode(List.of("the", "Playing cats! the the"), Padding.MAX_LENGTH, 8);
            assertArrayEquals(new int[] {2, 10, 3, 0, 0, 0, 0, 0}, b.inputIds().get(0));
            assertArrayEquals(new int[] {2, 5, 6, 7, 8, 9, 10, 3}, b.inputIds().get(1));
            assertArrayEquals(
                    new int[] {1, 1, 1, 1, 1, 1, 1, 1}, b.attentionMask().get(1));

            BatchEncoding ragged = tok.batchEncode(List.of("the", "Playing cats!"), Padding.DO_NOT_PAD);
            assertEquals(3, ragged.inputIds().get(0).length);
            assertEquals(7, ragged.inputIds().get(1).length);
            assertArrayEquals(new int[] {1, 1, 1}, ragged.attentionMask().get(0));
            try (NDManager m = NDManager.newBaseManager()) {
                assertThrows(IllegalStateException.class, () -> ragged.inputIds(m));
            }
        }
    }

    @Nested
    @DisplayName("loading a folder as AutoTokenizer does")
    class Loading {

        @Test
        @DisplayName(
                "special_tokens_map.json overrides an old tokenizer_config.json, not one with added_tokens_decoder")
        void specialTokensMap(@TempDir Path dir) throws IOException {
            // gpt2's config predates added_tokens_decoder: its special_tokens_map.json wins (transformers' legacy
            // path).
            Path gpt2 = copy("gpt2", dir);
            Files.writeString(
                    gpt2.resolve("special_tokens_map.json"),
                    "{\"eos_token\": \"!\", \"pad_token\": {\"content\": \"<|endoftext|>\", \"lstrip\": false}}");
            PreTrainedTokenizerFast old = TextTokenizer.fromPretrained(gpt2);
            assertEquals(0, old.eosTokenId());
            assertEquals(18, old.padTokenId());
            // llama3's config has added_tokens_decoder: its own eos stays; the map only fills what it lacks.
            Path llama3 = copy("llama3", dir);
            Files.writeString(
                    llama3.resolve("special_tokens_map.json"),
                    "{\"eos_token\": \"!\", \"pad_token\": \"<|end_of_text|>\"}");
            PreTrainedTokenizerFast modern = TextTokenizer.fromPretrained(llama3);
            assertEquals(19, modern.eosTokenId());
            assertEquals(19, modern.padTokenId());
            // Keyword arguments win over both files.
            assertEquals(
                    0,
                    TextTokenizer.fromPretrained(llama3, Map.of("pad_token", "!"))
                            .padTokenId());
        }

        @Test
        @DisplayName("a special token missing from added_tokens becomes one: matched whole, skipped on decode")
        void specialTokensAreAdded(@TempDir Path dir) throws IOException {
            Path bert = copy("bert", dir);
            ObjectNode json = readJson(bert.resolve("tokenizer.json"));
            Iterator<com.fasterxml.jackson.databind.JsonNode> it = ((ArrayNode) json.get("added_tokens")).elements();
            while (it.hasNext()) {
                if (it.next().get("content").asText().equals("[MASK]")) {
                    it.remove();
                }
            }
            writeJson(bert.resolve("tokenizer.json"), json);
            PreTrainedTokenizerFast tok = TextTokenizer.fromPretrained(bert);
            // [MASK] keeps its vocabulary id 4 and is no longer split into [ mask ] by the pre-tokenizer.
            assertArrayEquals(new int[] {2, 10, 4, 3}, tok.encode("the [MASK]"));
            assertEquals("the", tok.decode(new int[] {2, 10, 4, 3}, true));

            // A pad token outside the vocabulary gets the next id, as transformers adds it.
            PreTrainedTokenizerFast gpt2 = TextTokenizer.fromPretrained(fixture("gpt2"), Map.of("pad_token", "<pad>"));
            assertEquals(19, gpt2.padTokenId());
            assertArrayEquals(new int[] {12, 19}, gpt2.encode("hello<pad>"));
        }

        @Test
        @DisplayName("the tokenizer.json file itself loads with the config files beside it")
        void fileInFolder() {
            PreTrainedTokenizerFast tok =
                    TextTokenizer.fromPretrained(fixture("t5").resolve("tokenizer.json"));
            assertEquals(0, tok.padTokenId());
            assertArrayEquals(new int[] {4, 5, 6, 12, 1}, tok.encode("the cats sat"));
        }

        @Test
        @DisplayName("fromFile keeps its contract: the given pad id, DJL's addSpecialTokens option")
        void fromFile() {
            TextTokenizer tok = TextTokenizer.fromFile(fixture("bert"), 7);
            assertEquals(7, tok.padTokenId());
            assertArrayEquals(new int[] {2, 5, 6, 7, 8, 9, 3}, tok.encode("Playing cats!"));
            TextTokenizer raw = TextTokenizer.fromFile(fixture("bert"), 0, Map.of("addSpecialTokens", "false"));
            assertArrayEquals(new int[] {5, 6, 7, 8, 9}, raw.encode("Playing cats!"));
        }

        @Test
        @DisplayName("TextDataset pads with the config's pad token and says so when there is none")
        void textDataset() {
            TextDataset d = TextDataset.causalLm(
                    List.of("Playing cats!", "the"), TextTokenizer.fromPretrained(fixture("bert")), 16);
            assertArrayEquals(new int[] {2, 10, 3}, d.tokenIds(1));
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> TextDataset.causalLm(
                            List.of("the cats"), TextTokenizer.fromPretrained(fixture("llama2")), 8));
            assertTrue(e.getMessage().contains("padding token"), e.getMessage());
        }

        @Test
        @DisplayName("unknown keyword arguments are refused")
        void unknownKwarg() {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> TextTokenizer.fromPretrained(fixture("bert"), Map.of("paddingSide", "left")));
            assertTrue(e.getMessage().contains("padding_side"), e.getMessage());
        }
    }

    @Nested
    @DisplayName("broken files give a message naming the file and the way out, never a crash")
    class Errors {

        @Test
        @DisplayName("truncated tokenizer.json")
        void truncated(@TempDir Path dir) throws IOException {
            String full = Files.readString(fixture("bert").resolve("tokenizer.json"), StandardCharsets.UTF_8);
            Path file = dir.resolve("tokenizer.json");
            Files.writeString(file, full.substring(0, full.length() / 2));
            for (Path p : List.of(dir, file)) {
                IllegalArgumentException e =
                        assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromPretrained(p));
                assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
                assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
                assertTrue(e.getMessage().contains("save_pretrained"), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromFile(file, 0));
        }

        @Test
        @DisplayName("an unknown model type")
        void wrongModelType(@TempDir Path dir) throws IOException {
            ObjectNode json = readJson(fixture("bert").resolve("tokenizer.json"));
            ((ObjectNode) json.get("model")).put("type", "SentencePieceBPE");
            writeJson(dir.resolve("tokenizer.json"), json);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromPretrained(dir));
            assertTrue(e.getMessage().contains("model.type is \"SentencePieceBPE\""), e.getMessage());
            assertTrue(e.getMessage().contains("[BPE, Unigram, WordLevel, WordPiece]"), e.getMessage());

            Files.writeString(dir.resolve("tokenizer.json"), "{\"model_type\": \"bert\"}");
            e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromPretrained(dir));
            assertTrue(e.getMessage().contains("no \"model\""), e.getMessage());
        }

        @Test
        @DisplayName("a part the native library rejects is reported with the file name")
        void nativeRejects(@TempDir Path dir) throws IOException {
            ObjectNode json = readJson(fixture("bert").resolve("tokenizer.json"));
            json.putObject("pre_tokenizer").put("type", "NoSuchPreTokenizer");
            writeJson(dir.resolve("tokenizer.json"), json);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromPretrained(dir));
            assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()), e.getMessage());
            assertTrue(e.getMessage().contains("tokenizers library"), e.getMessage());
            // The JVM and the native library are still fine afterwards.
            assertArrayEquals(
                    new int[] {2, 10, 3},
                    TextTokenizer.fromPretrained(fixture("bert")).encode("the"));
        }

        @Test
        @DisplayName("a folder without tokenizer.json, a tokenizer.json that is a directory, a missing path")
        void directories(@TempDir Path dir) throws IOException {
            Path slow = Files.createDirectories(dir.resolve("slow"));
            Files.writeString(slow.resolve("vocab.txt"), "[PAD]\n[UNK]\n");
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromPretrained(slow));
            assertTrue(e.getMessage().contains("No tokenizer.json in " + slow), e.getMessage());
            assertTrue(e.getMessage().contains("vocab.txt"), e.getMessage());
            assertTrue(e.getMessage().contains("save_pretrained"), e.getMessage());

            Path odd = Files.createDirectories(dir.resolve("odd").resolve("tokenizer.json"));
            e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromPretrained(odd.getParent()));
            assertTrue(e.getMessage().contains("is a directory"), e.getMessage());

            e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromPretrained(dir.resolve("absent")));
            assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromFile(slow, 0));
        }

        @Test
        @DisplayName("a malformed tokenizer_config.json is named too")
        void badConfig(@TempDir Path dir) throws IOException {
            Path bert = copy("bert", dir);
            Files.writeString(bert.resolve("tokenizer_config.json"), "{\"pad_token\": ");
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromPretrained(bert));
            assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
            assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        }
    }
}
