package ai.peft4j.tuners.prompttuning;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.peft4j.config.PeftConfigException;
import ai.peft4j.io.hub.HubClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The token ids of {@code prompt_tuning_init_text}, as PEFT gets them with {@code
 * AutoTokenizer.from_pretrained(tokenizer_name_or_path)(text)["input_ids"]}: the fast tokenizer's
 * {@code tokenizer.json} from a local folder or a Hub repo (cached as {@code huggingface_hub}
 * caches it), special tokens included.
 */
final class InitText {

    private InitText() {}

    static List<Integer> tokenIds(PromptTuningConfig config) {
        if (config.initTokenIds() != null) {
            return config.initTokenIds();
        }
        String name = config.tokenizerNameOrPath();
        Path json;
        try {
            Path dir = HubClient.isLocalDir(name)
                    ? Path.of(name)
                    : HubClient.getDefault().downloadTokenizer(name, null);
            json = dir.resolve("tokenizer.json");
            if (!Files.isRegularFile(json)) {
                throw new IllegalArgumentException(
                        "there is no tokenizer.json in " + dir + " (peft4j reads the fast tokenizer's file)");
            }
        } catch (RuntimeException e) {
            throw new PeftConfigException(
                    "prompt_tuning_init='TEXT' needs the token ids of prompt_tuning_init_text, "
                            + "and the tokenizer '" + name + "' could not be read: " + e.getMessage()
                            + ". Give a local folder "
                            + "with its tokenizer.json as tokenizer_name_or_path, or tokenize the text yourself (in Python: "
                            + "AutoTokenizer.from_pretrained(name)(text)[\"input_ids\"]) and pass the ids with "
                            + "PromptTuningConfig.builder()...initTokenIds(ids); they are not written to adapter_config.json",
                    e);
        }
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "false"))) {
            List<Integer> ids = new ArrayList<>();
            for (long id : tokenizer.encode(config.promptTuningInitText()).getIds()) {
                ids.add(Math.toIntExact(id));
            }
            return ids;
        } catch (IOException | RuntimeException e) {
            throw new PeftConfigException(
                    "could not tokenize prompt_tuning_init_text with " + json + ": " + e.getMessage(), e);
        }
    }
}
