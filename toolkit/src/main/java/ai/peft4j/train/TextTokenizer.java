package ai.peft4j.train;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Turns text into token ids for {@link TextDataset}. {@link #fromFile} reads a Hugging Face
 * {@code tokenizer.json} with DJL's bundled Rust tokenizers (no network needed).
 */
public interface TextTokenizer {

    /** The ids of {@code text}, with the tokenizer's special tokens when it adds any. */
    int[] encode(String text);

    /** The id used to pad batches. */
    int padTokenId();

    /**
     * A Hugging Face {@code tokenizer.json} (or a directory holding one), via DJL's {@code
     * HuggingFaceTokenizer}. {@code padTokenId} is used for padding (transformers often reuses EOS).
     */
    static TextTokenizer fromFile(Path tokenizerJson, int padTokenId) {
        return fromFile(tokenizerJson, padTokenId, Map.of());
    }

    /**
     * {@link #fromFile(Path, int)} with DJL tokenizer options, e.g. {@code Map.of("addSpecialTokens",
     * "false")}.
     */
    static TextTokenizer fromFile(Path tokenizerJson, int padTokenId, Map<String, String> options) {
        HuggingFaceTokenizer hf;
        try {
            // TextDataset truncates itself; DJL would otherwise cut at 512 tokens and warn.
            Map<String, String> opts = new java.util.HashMap<>(Map.of("truncation", "false"));
            opts.putAll(options);
            hf = HuggingFaceTokenizer.newInstance(tokenizerJson, opts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TextTokenizer() {
            @Override
            public int[] encode(String text) {
                Encoding enc = hf.encode(text);
                long[] ids = enc.getIds();
                int[] out = new int[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    out[i] = Math.toIntExact(ids[i]);
                }
                return out;
            }

            @Override
            public int padTokenId() {
                return padTokenId;
            }
        };
    }

    /**
     * A whitespace word-level tokenizer over a fixed vocabulary (unknown words map to {@code unkId}),
     * for tests and toy data.
     */
    static TextTokenizer words(Map<String, Integer> vocab, int unkId, int padTokenId) {
        Map<String, Integer> v = Map.copyOf(vocab);
        return new TextTokenizer() {
            @Override
            public int[] encode(String text) {
                String t = text.strip();
                if (t.isEmpty()) {
                    return new int[0];
                }
                String[] words = t.split("\\s+");
                int[] out = new int[words.length];
                for (int i = 0; i < words.length; i++) {
                    out[i] = v.getOrDefault(words[i], unkId);
                }
                return out;
            }

            @Override
            public int padTokenId() {
                return padTokenId;
            }
        };
    }
}
