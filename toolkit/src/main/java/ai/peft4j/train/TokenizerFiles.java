package ai.peft4j.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the files of a Hugging Face tokenizer folder ({@code tokenizer.json}, {@code
 * tokenizer_config.json}, {@code special_tokens_map.json}) and checks them before the native
 * tokenizers library sees them, so that a bad file gives a message naming it instead of a bare
 * parser error.
 */
final class TokenizerFiles {

    static final String TOKENIZER_FILE = "tokenizer.json";
    static final String CONFIG_FILE = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json";

    /** The models the tokenizers library knows. */
    static final Set<String> MODEL_TYPES = Set.of("BPE", "Unigram", "WordPiece", "WordLevel");

    /** transformers' special-token attributes, in its order. */
    static final List<String> SPECIAL_KEYS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String HOW_TO_GET =
            "write it once in Python with AutoTokenizer.from_pretrained(path).save_pretrained(path), "
                    + "or download tokenizer.json again from the model's Hub repository";

    private TokenizerFiles() {}

    /** The {@code tokenizer.json} named by {@code dirOrFile}: the file itself, or the one in the folder. */
    static Path tokenizerJson(Path dirOrFile) {
        if (!Files.exists(dirOrFile)) {
            throw new IllegalArgumentException("Tokenizer path " + dirOrFile + " does not exist; give a model folder"
                    + " holding tokenizer.json, or the tokenizer.json file itself");
        }
        if (!Files.isDirectory(dirOrFile)) {
            return dirOrFile;
        }
        Path file = dirOrFile.resolve(TOKENIZER_FILE);
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + " is a directory, not a tokenizer file; " + HOW_TO_GET);
        }
        if (!Files.exists(file)) {
            StringBuilder found = new StringBuilder();
            for (String slow : List.of("tokenizer.model", "spiece.model", "vocab.txt", "vocab.json", "merges.txt")) {
                if (Files.exists(dirOrFile.resolve(slow))) {
                    found.append(found.length() == 0 ? "" : ", ").append(slow);
                }
            }
            throw new IllegalArgumentException("No " + TOKENIZER_FILE + " in " + dirOrFile
                    + (found.length() == 0 ? "" : " (it holds the slow tokenizer's " + found + ")")
                    + ". peft4j reads the fast tokenizer's tokenizer.json: " + HOW_TO_GET);
        }
        return file;
    }

    /** {@code tokenizer.json} parsed and checked: a JSON object with a known {@code model.type}. */
    static ObjectNode readTokenizerJson(Path file) {
        JsonNode root = parse(file, HOW_TO_GET);
        if (!root.isObject()) {
            throw new IllegalArgumentException(file + " is not a tokenizer.json: it holds a JSON "
                    + root.getNodeType().toString().toLowerCase() + ", not an object; " + HOW_TO_GET);
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw new IllegalArgumentException(file + " is not a tokenizer.json: it has no \"model\" object"
                    + " (a config.json or tokenizer_config.json given by mistake?); " + HOW_TO_GET);
        }
        JsonNode type = model.get("type");
        if (type == null || !MODEL_TYPES.contains(type.asText())) {
            throw new IllegalArgumentException(file + ": model.type is "
                    + (type == null ? "missing" : "\"" + type.asText() + "\"")
                    + ", not one of the tokenizers library's models " + sorted(MODEL_TYPES) + "; " + HOW_TO_GET);
        }
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !(vocab.isObject() || vocab.isArray())) {
            throw new IllegalArgumentException(
                    file + ": model.vocab is missing; the file is truncated or not a tokenizer.json; " + HOW_TO_GET);
        }
        return (ObjectNode) root;
    }

    /** A JSON object file that may be absent ({@code tokenizer_config.json} and the like); empty when absent. */
    static ObjectNode readOptionalObject(Path file) {
        if (!Files.isRegularFile(file)) {
            return JsonNodeFactory.instance.objectNode();
        }
        JsonNode root = parse(file, "fix or delete it (transformers' defaults apply without it)");
        if (!root.isObject()) {
            throw new IllegalArgumentException(file + " should hold a JSON object; fix or delete it");
        }
        return (ObjectNode) root;
    }

    private static JsonNode parse(Path file, String wayOut) {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (root == null || root.isMissingNode()) {
                throw new IllegalArgumentException(file + " is empty; " + wayOut);
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    file + " is not valid JSON (" + e.getOriginalMessage() + " at line "
                            + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr()
                            + "): the file is truncated or corrupt; " + wayOut,
                    e);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " does not exist; " + wayOut, e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The text of a special-token entry: a plain string or an {@code AddedToken} object; null for null. */
    static String tokenContent(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isObject()
                && value.get("content") != null
                && value.get("content").isTextual()) {
            return value.get("content").asText();
        }
        throw new IllegalArgumentException("a special token should be a string or {\"content\": ...}, not " + value);
    }

    /** Every token of {@code tokenizer.json} with its id: the model's vocabulary and the added tokens. */
    static Map<String, Integer> vocabulary(ObjectNode tokenizerJson) {
        Map<String, Integer> out = new HashMap<>();
        JsonNode vocab = tokenizerJson.get("model").get("vocab");
        if (vocab.isArray()) {
            // Unigram: [[piece, score], ...], the id is the position.
            for (int i = 0; i < vocab.size(); i++) {
                out.put(vocab.get(i).get(0).asText(), i);
            }
        } else {
            vocab.fields()
                    .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asInt()));
        }
        for (JsonNode t : addedTokens(tokenizerJson)) {
            out.put(t.get("content").asText(), t.get("id").asInt());
        }
        return out;
    }

    static ArrayNode addedTokens(ObjectNode tokenizerJson) {
        JsonNode added = tokenizerJson.get("added_tokens");
        if (added == null || !added.isArray()) {
            added = tokenizerJson.putArray("added_tokens");
        }
        return (ArrayNode) added;
    }

    /**
     * Makes {@code token} an added special token, as transformers' fast tokenizer does for special
     * tokens that {@code tokenizer.json} does not list: it keeps its vocabulary id, or gets the
     * next free id.
     */
    static void ensureSpecial(ObjectNode tokenizerJson, String token) {
        ArrayNode added = addedTokens(tokenizerJson);
        for (JsonNode t : added) {
            if (token.equals(t.get("content").asText())) {
                return;
            }
        }
        Map<String, Integer> vocab = vocabulary(tokenizerJson);
        int id = vocab.containsKey(token)
                ? vocab.get(token)
                : vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        ObjectNode t = added.addObject();
        t.put("id", id);
        t.put("content", token);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", true);
    }

    /**
     * transformers' {@code LlamaTokenizerFast.update_post_processor}: a template that adds
     * {@code bos} and/or {@code eos} around each sequence.
     */
    static ObjectNode bosEosTemplate(String bos, Integer bosId, String eos, Integer eosId) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single");
        ArrayNode pair = p.putArray("pair");
        for (int seq = 0; seq < 2; seq++) {
            for (ArrayNode target : seq == 0 ? List.of(single, pair) : List.of(pair)) {
                if (bos != null) {
                    target.addObject().putObject("SpecialToken").put("id", bos).put("type_id", seq);
                }
                target.addObject()
                        .putObject("Sequence")
                        .put("id", seq == 0 ? "A" : "B")
                        .put("type_id", seq);
                if (eos != null) {
                    target.addObject().putObject("SpecialToken").put("id", eos).put("type_id", seq);
                }
            }
        }
        ObjectNode specials = p.putObject("special_tokens");
        Map<String, Integer> tokens = new LinkedHashMap<>();
        if (bos != null) {
            tokens.put(bos, bosId);
        }
        if (eos != null) {
            tokens.put(eos, eosId);
        }
        tokens.forEach((token, id) -> {
            ObjectNode s = specials.putObject(token);
            s.put("id", token);
            s.putArray("ids").add(id);
            s.putArray("tokens").add(token);
        });
        return p;
    }

    static String write(ObjectNode tokenizerJson) {
        try {
            return JSON.writeValueAsString(tokenizerJson);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }
}
