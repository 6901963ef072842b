package ai.peft4j.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * Turns text into token ids for {@link TextDataset}. {@link #fromPretrained} loads a Hugging Face
 * tokenizer folder as {@code AutoTokenizer.from_pretrained} does, {@link #fromFile} a bare {@code
 * tokenizer.json}; both run DJL's bundled Rust tokenizers (no network needed) and return a {@link
 * PreTrainedTokenizerFast}.
 *
 * <pre>{@code
 * var tok = TextTokenizer.fromPretrained(Path.of("Qwen2.5-0.5B"));
 * tok.encode("Hello world");                      // input_ids, special tokens as transformers adds them
 * tok.decode(tok.encode("Hello world"), true);    // "Hello world"
 * var gpt2 = TextTokenizer.fromPretrained(Path.of("gpt2"), Map.of("padding_side", "left"));
 * }</pre>
 */
public interface TextTokenizer {

    /** The ids of {@code text}, with the tokenizer's special tokens when it adds any. */
    int[] encode(String text);

    /** The id used to pad batches. */
    int padTokenId();

    /**
     * A tokenizer folder ({@code tokenizer.json}, with {@code tokenizer_config.json} and {@code
     * special_tokens_map.json} when present), read as {@code AutoTokenizer.from_pretrained(path)}
     * does: the special tokens, {@code padding_side}, {@code truncation_side}, {@code
     * model_max_length}, {@code clean_up_tokenization_spaces}, and for Llama and Gemma tokenizers
     * {@code add_bos_token}/{@code add_eos_token}. {@code path} may also be the {@code
     * tokenizer.json} file itself. A missing or broken file gives an {@link
     * IllegalArgumentException} that names it and says how to get a good one.
     */
    static PreTrainedTokenizerFast fromPretrained(Path path) {
        return PreTrainedTokenizerFast.fromPretrained(path, Map.of());
    }

    /**
     * {@link #fromPretrained(Path)} with {@code from_pretrained}'s keyword arguments, which override
     * the config files: {@code bos_token}, {@code eos_token}, {@code unk_token}, {@code sep_token},
     * {@code pad_token}, {@code cls_token}, {@code mask_token}, {@code padding_side}, {@code
     * truncation_side}, {@code model_max_length}, {@code add_bos_token}, {@code add_eos_token},
     * {@code clean_up_tokenization_spaces}, and for GPT-2 and RoBERTa tokenizers {@code
     * add_prefix_space}; e.g. {@code Map.of("padding_side", "left", "pad_token",
     * "<|endoftext|>")}.
     */
    static PreTrainedTokenizerFast fromPretrained(Path path, Map<String, ?> kwargs) {
        return PreTrainedTokenizerFast.fromPretrained(path, kwargs);
    }

    /**
     * A Hugging Face {@code tokenizer.json} (or a directory holding one) alone, without its config
     * files. {@code padTokenId} is used for padding (transformers often reuses EOS).
     */
    static PreTrainedTokenizerFast fromFile(Path tokenizerJson, int padTokenId) {
        return fromFile(tokenizerJson, padTokenId, Map.of());
    }

    /**
     * {@link #fromFile(Path, int)} with DJL tokenizer options, e.g. {@code Map.of("addSpecialTokens",
     * "false")}.
     */
    static PreTrainedTokenizerFast fromFile(Path tokenizerJson, int padTokenId, Map<String, String> options) {
        return PreTrainedTokenizerFast.fromFile(tokenizerJson, padTokenId, options);
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
