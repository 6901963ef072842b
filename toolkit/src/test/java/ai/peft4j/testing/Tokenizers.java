package ai.peft4j.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Tokenizer files that tests write for themselves. */
public final class Tokenizers {

    private Tokenizers() {}

    /**
     * A WordLevel {@code tokenizer.json} over {@code vocab} with a whitespace pre-tokenizer and
     * {@code <unk>} for unknown words, as the tokenizers library writes it.
     */
    public static Path writeWordLevel(Path dir, Map<String, Integer> vocab) throws IOException {
        StringBuilder entries = new StringBuilder();
        vocab.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> entries.append(
                        entries.length() == 0 ? "" : ",")
                .append('"')
                .append(e.getKey())
                .append("\":")
                .append(e.getValue()));
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],"
                + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,"
                + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{" + entries
                + "},\"unk_token\":\"<unk>\"}}";
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json);
        return file;
    }
}
