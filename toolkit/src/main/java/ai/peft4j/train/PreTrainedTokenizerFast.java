package ai.peft4j.train;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A Hugging Face fast tokenizer: {@code tokenizer.json} run by the Rust tokenizers library (through
 * DJL, offline), with transformers' behaviour around it read from {@code tokenizer_config.json} and
 * {@code special_tokens_map.json}: the special tokens, {@code add_special_tokens}, padding and
 * truncation sides, {@code model_max_length}, and the clean-up of decoded text. It handles the
 * byte-level BPE of GPT-2, Llama 3 and Qwen2, the SentencePiece-derived BPE and Unigram of Llama 2,
 * Mistral, Gemma and T5, and BERT's WordPiece. Chat templates are not applied.
 *
 * <pre>{@code
 * var tok = TextTokenizer.fromPretrained(Path.of("Llama-3.2-1B"));         // like AutoTokenizer
 * int[] ids = tok.encode("Hello world");                                    // with <|begin_of_text|>
 * String text = tok.decode(ids, true);                                       // skip_special_tokens
 * var left = tok.withPadToken(tok.eosToken()).withPaddingSide("left");     // for batched generate
 * var batch = left.batchEncode(List.of("Hi", "Hello world"), Padding.LONGEST);
 * model.generate(batch.inputIds(manager), batch.attentionMask(manager), config);
 * }</pre>
 *
 * <p>Instances are immutable; the {@code with...} methods return a copy sharing the native
 * tokenizer.
 */
public final class PreTrainedTokenizerFast implements TextTokenizer {

    /** transformers' {@code PaddingStrategy}. */
    public enum Padding {
        /** Every sequence keeps its length. */
        DO_NOT_PAD,
        /** Pad to the longest sequence of the batch ({@code padding=True}). */
        LONGEST,
        /** Pad to {@code max_length} ({@code padding="max_length"}). */
        MAX_LENGTH
    }

    /**
     * transformers' {@code BatchEncoding} for a batch of single sequences: {@code input_ids} and
     * {@code attention_mask} (1 on tokens, 0 on padding), one row per text.
     */
    public record BatchEncoding(List<int[]> inputIds, List<int[]> attentionMask) {

        /** The ids as an int64 {@code (batch, length)} array; the batch must be padded. */
        public NDArray inputIds(NDManager manager) {
            return toArray(inputIds, manager);
        }

        /** The attention mask as an int64 {@code (batch, length)} array; the batch must be padded. */
        public NDArray attentionMask(NDManager manager) {
            return toArray(attentionMask, manager);
        }

        private static NDArray toArray(List<int[]> rows, NDManager manager) {
            int width = rows.isEmpty() ? 0 : rows.get(0).length;
            long[][] out = new long[rows.size()][];
            for (int i = 0; i < rows.size(); i++) {
                int[] r = rows.get(i);
                if (r.length != width) {
                    throw new IllegalStateException("rows have different lengths (" + width + " and " + r.length
                            + "); encode with Padding.LONGEST or MAX_LENGTH to get an array");
                }
                out[i] = Arrays.stream(r).asLongStream().toArray();
            }
            return manager.create(out);
        }
    }

    /** The keyword arguments of {@code AutoTokenizer.from_pretrained} that {@link #fromPretrained} takes. */
    static final Set<String> KWARGS = Set.of(
            "bos_token",
            "eos_token",
            "unk_token",
            "sep_token",
            "pad_token",
            "cls_token",
            "mask_token",
            "padding_side",
            "truncation_side",
            "model_max_length",
            "add_bos_token",
            "add_eos_token",
            "add_prefix_space",
            "clean_up_tokenization_spaces");

    /** transformers' {@code VERY_LARGE_INTEGER}: {@code model_max_length} when the config gives none. */
    private static final double VERY_LARGE = 1e29;

    private final HuggingFaceTokenizer hf;
    private final String nameOrPath;
    private final Map<String, Integer> vocab;
    private final Map<String, String> specialTokens;
    private final String paddingSide;
    private final String truncationSide;
    private final int modelMaxLength;
    private final boolean cleanUpTokenizationSpaces;
    private final boolean addSpecialTokens;
    private final Integer padIdOverride;

    private PreTrainedTokenizerFast(
            HuggingFaceTokenizer hf,
            String nameOrPath,
            Map<String, Integer> vocab,
            Map<String, String> specialTokens,
            String paddingSide,
            String truncationSide,
            int modelMaxLength,
            boolean cleanUpTokenizationSpaces,
            boolean addSpecialTokens,
            Integer padIdOverride) {
        this.hf = hf;
        this.nameOrPath = nameOrPath;
        this.vocab = vocab;
        this.specialTokens = Collections.unmodifiableMap(specialTokens);
        this.paddingSide = side(paddingSide, "Padding");
        this.truncationSide = side(truncationSide, "Truncation");
        this.modelMaxLength = modelMaxLength;
        this.cleanUpTokenizationSpaces = cleanUpTokenizationSpaces;
        this.addSpecialTokens = addSpecialTokens;
        this.padIdOverride = padIdOverride;
    }

    /**
     * Loads a tokenizer folder the way {@code AutoTokenizer.from_pretrained(path, **kwargs)} does;
     * see {@link TextTokenizer#fromPretrained(Path, Map)}.
     */
    static PreTrainedTokenizerFast fromPretrained(Path dirOrFile, Map<String, ?> kwargs) {
        Objects.requireNonNull(dirOrFile, "path");
        for (String k : kwargs.keySet()) {
            if (!KWARGS.contains(k)) {
                throw new IllegalArgumentException("unknown tokenizer option '" + k + "'; known: "
                        + KWARGS.stream().sorted().toList());
            }
        }
        Path file = TokenizerFiles.tokenizerJson(dirOrFile);
        ObjectNode json = TokenizerFiles.readTokenizerJson(file);
        // The config files beside tokenizer.json, as in the folder AutoTokenizer reads.
        Path dir = file.toAbsolutePath().getParent();
        ObjectNode config = TokenizerFiles.readOptionalObject(dir.resolve(TokenizerFiles.CONFIG_FILE));
        ObjectNode specialMap = TokenizerFiles.readOptionalObject(dir.resolve(TokenizerFiles.SPECIAL_TOKENS_MAP_FILE));

        // init_kwargs as transformers builds them: tokenizer_config.json, then special_tokens_map.json
        // (which overrides only in configs older than added_tokens_decoder), then the caller's kwargs.
        Map<String, Object> init = new LinkedHashMap<>();
        config.fields().forEachRemaining(e -> init.put(e.getKey(), e.getValue()));
        boolean legacy = !config.has("added_tokens_decoder");
        specialMap.fields().forEachRemaining(e -> {
            if (legacy || !init.containsKey(e.getKey())) {
                init.put(e.getKey(), e.getValue());
            }
        });
        init.putAll(kwargs);

        String tokenizerClass = tokenizerClass(init, dir);
        Map<String, String> classDefaults = classDefaults(tokenizerClass);
        Map<String, String> specials = new LinkedHashMap<>();
        for (String key : TokenizerFiles.SPECIAL_KEYS) {
            String token = init.containsKey(key) ? content(init.get(key), file, key) : classDefaults.get(key);
            if (token != null) {
                specials.put(key, token);
            }
        }
        // tokenizer.json's own padding block gives defaults, as the fast tokenizer's __init__ does.
        JsonNode padding = json.get("padding");
        String paddingSide = string(init.get("padding_side"));
        if (padding != null && padding.isObject()) {
            if (!init.containsKey("pad_token") && padding.hasNonNull("pad_token")) {
                specials.putIfAbsent("pad_token", padding.get("pad_token").asText());
            }
            if (paddingSide == null && padding.hasNonNull("direction")) {
                paddingSide = padding.get("direction").asText().toLowerCase();
            }
        }
        // Padding and truncation are done per call (as transformers sets them per call), not by the file.
        json.putNull("padding");
        json.putNull("truncation");

        for (String token : specials.values()) {
            TokenizerFiles.ensureSpecial(json, token);
        }
        if (init.get("additional_special_tokens") instanceof JsonNode extra && extra.isArray()) {
            for (JsonNode t : extra) {
                TokenizerFiles.ensureSpecial(json, TokenizerFiles.tokenContent(t));
            }
        }
        Map<String, Integer> vocab = TokenizerFiles.vocabulary(json);

        if (rebuildsPostProcessor(tokenizerClass)) {
            boolean addBos = bool(init.get("add_bos_token"), true);
            boolean addEos = bool(init.get("add_eos_token"), false);
            String bos = specials.get("bos_token");
            String eos = specials.get("eos_token");
            if (addBos && bos == null) {
                throw new IllegalArgumentException("add_bos_token = True but bos_token = None (" + file + ")");
            }
            if (addEos && eos == null) {
                throw new IllegalArgumentException("add_eos_token = True but eos_token = None (" + file + ")");
            }
            json.set(
                    "post_processor",
                    TokenizerFiles.bosEosTemplate(
                            addBos ? bos : null, vocab.get(bos), addEos ? eos : null, vocab.get(eos)));
        }

        // GPT2TokenizerFast and RobertaTokenizerFast set their ByteLevel pre-tokenizer's add_prefix_space
        // from the config when the two differ.
        JsonNode pre = json.get("pre_tokenizer");
        if (Set.of("GPT2Tokenizer", "RobertaTokenizer").contains(tokenizerClass)
                && init.get("add_prefix_space") != null
                && pre instanceof ObjectNode preTokenizer
                && "ByteLevel".equals(preTokenizer.path("type").asText())) {
            preTokenizer.put("add_prefix_space", bool(init.get("add_prefix_space"), false));
        }

        boolean cleanUp = bool(init.get("clean_up_tokenization_spaces"), !cleansNothingByDefault(tokenizerClass));
        double maxLen = number(init.get("model_max_length"), VERY_LARGE);
        int modelMaxLength = maxLen >= Integer.MAX_VALUE ? -1 : (int) maxLen;
        // DJL would otherwise truncate at its own 512-token default; batchEncode truncates as asked.
        HuggingFaceTokenizer hf =
                load(TokenizerFiles.write(json), file, Map.of("truncation", "false", "padding", "false"));
        return new PreTrainedTokenizerFast(
                hf,
                dirOrFile.toString(),
                vocab,
                specials,
                paddingSide == null ? "right" : paddingSide,
                Objects.requireNonNullElse(string(init.get("truncation_side")), "right"),
                modelMaxLength,
                cleanUp,
                true,
                null);
    }

    /**
     * {@code tokenizer.json} alone, with DJL's options (see {@link TextTokenizer#fromFile(Path, int,
     * Map)}); {@code padTokenId} pads batches.
     */
    static PreTrainedTokenizerFast fromFile(Path dirOrFile, int padTokenId, Map<String, String> options) {
        Path file = TokenizerFiles.tokenizerJson(dirOrFile);
        ObjectNode json = TokenizerFiles.readTokenizerJson(file);
        // TextDataset truncates itself; DJL would otherwise cut at 512 tokens and warn.
        Map<String, String> opts = new HashMap<>(Map.of("truncation", "false"));
        opts.putAll(options);
        HuggingFaceTokenizer hf = load(TokenizerFiles.write(json), file, opts);
        return new PreTrainedTokenizerFast(
                hf,
                dirOrFile.toString(),
                TokenizerFiles.vocabulary(json),
                new LinkedHashMap<>(),
                "right",
                "right",
                -1,
                true,
                Boolean.parseBoolean(opts.getOrDefault("addSpecialTokens", "true")),
                padTokenId);
    }

    private static HuggingFaceTokenizer load(String json, Path file, Map<String, String> options) {
        try {
            return HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            // The Rust library reports a part of the file it does not know (a newer format, a typo).
            throw new IllegalArgumentException(
                    file + " could not be read by the tokenizers library bundled with DJL: " + e.getMessage()
                            + ". The file may be corrupt or come from a newer tokenizers release; download it"
                            + " again, or re-save it in Python with AutoTokenizer.from_pretrained(path)"
                            + ".save_pretrained(path)",
                    e);
        }
    }

    /** The ids of {@code text}, with the special tokens the tokenizer adds ({@code add_special_tokens=True}). */
    @Override
    public int[] encode(String text) {
        return encode(text, addSpecialTokens);
    }

    /** The ids of {@code text}; {@code addSpecialTokens} as in transformers' {@code encode}. */
    public int[] encode(String text, boolean addSpecialTokens) {
        return toInts(native1(text, addSpecialTokens).getIds());
    }

    /** The tokens of {@code text}, without special tokens (transformers' {@code tokenize}). */
    public List<String> tokenize(String text) {
        return List.of(native1(text, false).getTokens());
    }

    /** The text of {@code ids}, special tokens included (transformers' {@code decode} defaults). */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids}; {@code skipSpecialTokens} drops the added special tokens, and
     * {@code clean_up_tokenization_spaces} applies as the config says.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        String text = hf.decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecialTokens);
        return cleanUpTokenizationSpaces ? cleanUpTokenization(text) : text;
    }

    /** {@link #decode(int[], boolean)} of each row. */
    public List<String> batchDecode(List<int[]> sequences, boolean skipSpecialTokens) {
        List<String> out = new ArrayList<>(sequences.size());
        for (int[] s : sequences) {
            out.add(decode(s, skipSpecialTokens));
        }
        return out;
    }

    /** {@code tokenizer(texts, padding=...)}: special tokens added, no truncation. */
    public BatchEncoding batchEncode(List<String> texts, Padding padding) {
        return batchEncode(texts, addSpecialTokens, padding, -1, false);
    }

    /** {@code tokenizer(texts, padding=..., truncation=True, max_length=maxLength)}. */
    public BatchEncoding batchEncode(List<String> texts, Padding padding, int maxLength) {
        return batchEncode(texts, addSpecialTokens, padding, maxLength, true);
    }

    /**
     * {@code tokenizer(texts, add_special_tokens=..., padding=..., max_length=..., truncation=...)}.
     * A negative {@code maxLength} is None: truncation and {@code MAX_LENGTH} padding then use
     * {@code model_max_length}. Truncation keeps the special tokens and cuts the text on the
     * {@linkplain #truncationSide() truncation side}; padding goes on the {@linkplain #paddingSide()
     * padding side}.
     */
    public BatchEncoding batchEncode(
            List<String> texts, boolean addSpecialTokens, Padding padding, int maxLength, boolean truncation) {
        Objects.requireNonNull(padding, "padding");
        int limit = maxLength >= 0 ? maxLength : modelMaxLength;
        if (padding == Padding.MAX_LENGTH && limit < 0) {
            throw new IllegalArgumentException("Padding.MAX_LENGTH needs a max_length: give maxLength, as"
                    + " this tokenizer has no model_max_length");
        }
        List<int[]> rows = new ArrayList<>(texts.size());
        for (String text : texts) {
            Encoding e = native1(text, addSpecialTokens);
            int[] ids = toInts(e.getIds());
            if (truncation && limit >= 0 && ids.length > limit) {
                ids = truncate(ids, e.getSequenceIds(), limit);
            }
            rows.add(ids);
        }
        int width =
                switch (padding) {
                    case DO_NOT_PAD -> -1;
                    case LONGEST -> rows.stream().mapToInt(r -> r.length).max().orElse(0);
                    case MAX_LENGTH -> limit;
                };
        // transformers asks for a pad token whenever padding is requested, needed or not.
        int pad = padding == Padding.DO_NOT_PAD ? 0 : padTokenId();
        List<int[]> ids = new ArrayList<>(rows.size());
        List<int[]> masks = new ArrayList<>(rows.size());
        for (int[] r : rows) {
            int n = Math.max(width, r.length);
            int[] out = new int[n];
            int[] mask = new int[n];
            int start = paddingSide.equals("left") ? n - r.length : 0;
            Arrays.fill(out, pad);
            System.arraycopy(r, 0, out, start, r.length);
            Arrays.fill(mask, start, start + r.length, 1);
            ids.add(out);
            masks.add(mask);
        }
        return new BatchEncoding(List.copyOf(ids), List.copyOf(masks));
    }

    /** Cuts the text tokens (sequence id 0) so that the row, special tokens included, has {@code limit} ids. */
    private int[] truncate(int[] ids, long[] sequenceIds, int limit) {
        int first = 0;
        while (first < ids.length && sequenceIds[first] != 0) {
            first++;
        }
        int end = first;
        while (end < ids.length && sequenceIds[end] == 0) {
            end++;
        }
        int specials = ids.length - (end - first);
        if (limit < specials) {
            throw new IllegalArgumentException("max_length " + limit + " is shorter than the " + specials
                    + " special tokens this tokenizer adds; raise it or encode with addSpecialTokens false");
        }
        int keep = limit - specials;
        int from = truncationSide.equals("left") ? end - keep : first;
        int[] out = new int[limit];
        System.arraycopy(ids, 0, out, 0, first);
        System.arraycopy(ids, from, out, first, keep);
        System.arraycopy(ids, end, out, first + keep, ids.length - end);
        return out;
    }

    /**
     * The pad token's id. Throws, with the way out, when the tokenizer has none (GPT-2 and Llama
     * ship none; transformers users write {@code tokenizer.pad_token = tokenizer.eos_token}).
     */
    @Override
    public int padTokenId() {
        if (padIdOverride != null) {
            return padIdOverride;
        }
        Integer id = tokenId("pad_token");
        if (id == null) {
            throw new IllegalStateException("Asking to pad but the tokenizer " + nameOrPath + " does not have a"
                    + " padding token. Select one, e.g. tokenizer.withPadToken(tokenizer.eosToken()) (in Python:"
                    + " tokenizer.pad_token = tokenizer.eos_token), or pass \"pad_token\" to"
                    + " TextTokenizer.fromPretrained");
        }
        return id;
    }

    /** The pad token, or null (transformers' None) when there is none. */
    public String padToken() {
        return specialTokens.get("pad_token");
    }

    /** The beginning-of-sequence token, or null. */
    public String bosToken() {
        return specialTokens.get("bos_token");
    }

    /** The end-of-sequence token, or null. */
    public String eosToken() {
        return specialTokens.get("eos_token");
    }

    /** The unknown token, or null. */
    public String unkToken() {
        return specialTokens.get("unk_token");
    }

    /** The id of {@link #bosToken()}, or null. */
    public Integer bosTokenId() {
        return tokenId("bos_token");
    }

    /** The id of {@link #eosToken()}, or null. */
    public Integer eosTokenId() {
        return tokenId("eos_token");
    }

    /**
     * transformers' {@code special_tokens_map}: the special tokens that are set, by attribute
     * ({@code bos_token}, {@code eos_token}, {@code unk_token}, {@code sep_token}, {@code pad_token},
     * {@code cls_token}, {@code mask_token}).
     */
    public Map<String, String> specialTokensMap() {
        return specialTokens;
    }

    /** The id of {@code token} (added tokens included), or the unknown token's id, or null without one. */
    public Integer convertTokensToIds(String token) {
        Integer id = vocab.get(token);
        return id != null ? id : unkToken() == null ? null : vocab.get(unkToken());
    }

    /** {@code "right"} (the default) or {@code "left"}: where batches are padded. */
    public String paddingSide() {
        return paddingSide;
    }

    /** {@code "right"} (the default) or {@code "left"}: which end truncation cuts. */
    public String truncationSide() {
        return truncationSide;
    }

    /** {@code model_max_length}, or -1 when the config sets none (transformers' very large integer). */
    public int modelMaxLength() {
        return modelMaxLength;
    }

    /** Whether {@link #decode} removes the spaces before punctuation, as transformers does. */
    public boolean cleanUpTokenizationSpaces() {
        return cleanUpTokenizationSpaces;
    }

    /** A copy that pads on {@code side} ({@code "left"} for batched generation with decoders). */
    public PreTrainedTokenizerFast withPaddingSide(String side) {
        return new PreTrainedTokenizerFast(
                hf,
                nameOrPath,
                vocab,
                specialTokens,
                side,
                truncationSide,
                modelMaxLength,
                cleanUpTokenizationSpaces,
                addSpecialTokens,
                padIdOverride);
    }

    /** A copy that truncates on {@code side}. */
    public PreTrainedTokenizerFast withTruncationSide(String side) {
        return new PreTrainedTokenizerFast(
                hf,
                nameOrPath,
                vocab,
                specialTokens,
                paddingSide,
                side,
                modelMaxLength,
                cleanUpTokenizationSpaces,
                addSpecialTokens,
                padIdOverride);
    }

    /**
     * A copy that pads with {@code token}, which must be in the vocabulary ({@code
     * tokenizer.pad_token = tokenizer.eos_token} in Python).
     */
    public PreTrainedTokenizerFast withPadToken(String token) {
        Objects.requireNonNull(token, "token");
        if (!vocab.containsKey(token)) {
            throw new IllegalArgumentException("'" + token + "' is not in the vocabulary of " + nameOrPath
                    + "; pick an existing token such as the eos token '" + eosToken() + "'");
        }
        Map<String, String> specials = new LinkedHashMap<>();
        for (String key : TokenizerFiles.SPECIAL_KEYS) {
            String t = key.equals("pad_token") ? token : specialTokens.get(key);
            if (t != null) {
                specials.put(key, t);
            }
        }
        return new PreTrainedTokenizerFast(
                hf,
                nameOrPath,
                vocab,
                specials,
                paddingSide,
                truncationSide,
                modelMaxLength,
                cleanUpTokenizationSpaces,
                addSpecialTokens,
                null);
    }

    @Override
    public String toString() {
        return "PreTrainedTokenizerFast(name_or_path='" + nameOrPath + "', model_max_length=" + modelMaxLength
                + ", padding_side='" + paddingSide + "', truncation_side='"
                + truncationSide + "', special_tokens=" + specialTokens + ", clean_up_tokenization_spaces="
                + (cleanUpTokenizationSpaces ? "True" : "False") + ")";
    }

    /** transformers' {@code clean_up_tokenization}: no space before punctuation and English contractions. */
    static String cleanUpTokenization(String s) {
        return s.replace(" .", ".")
                .replace(" ?", "?")
                .replace(" !", "!")
                .replace(" ,", ",")
                .replace(" ' ", "'")
                .replace(" n't", "n't")
                .replace(" 'm", "'m")
                .replace(" 's", "'s")
                .replace(" 've", "'ve")
                .replace(" 're", "'re");
    }

    private Encoding native1(String text, boolean addSpecial) {
        Objects.requireNonNull(text, "text");
        return hf.encode(text, addSpecial, false);
    }

    private Integer tokenId(String key) {
        String token = specialTokens.get(key);
        return token == null ? null : convertTokensToIds(token);
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    private static String side(String side, String what) {
        if (!"right".equals(side) && !"left".equals(side)) {
            throw new IllegalArgumentException(
                    what + " side should be selected between 'right' and 'left', current value: " + side);
        }
        return side;
    }

    /**
     * The transformers class: {@code tokenizer_class} of the config, else the {@code model_type} of
     * a {@code config.json} beside it, without the {@code Fast} suffix.
     */
    private static String tokenizerClass(Map<String, Object> init, Path dir) {
        String cls = string(init.get("tokenizer_class"));
        if (cls == null && dir != null) {
            JsonNode type = TokenizerFiles.readOptionalObject(dir.resolve("config.json"))
                    .get("model_type");
            if (type != null) {
                cls = switch (type.asText()) {
                    case "llama", "mistral", "mixtral" -> "LlamaTokenizer";
                    case "gemma" -> "GemmaTokenizer";
                    case "qwen2" -> "Qwen2Tokenizer";
                    case "gpt2" -> "GPT2Tokenizer";
                    case "t5", "mt5" -> "T5Tokenizer";
                    case "bert" -> "BertTokenizer";
                    case "roberta" -> "RobertaTokenizer";
                    default -> null;
                };
            }
        }
        return cls == null ? "" : cls.endsWith("Fast") ? cls.substring(0, cls.length() - 4) : cls;
    }

    /** The special-token defaults of the transformers class's {@code __init__}. */
    private static Map<String, String> classDefaults(String cls) {
        return switch (cls) {
            case "GPT2Tokenizer" ->
                Map.of("bos_token", "<|endoftext|>", "eos_token", "<|endoftext|>", "unk_token", "<|endoftext|>");
            case "Qwen2Tokenizer" ->
                Map.of("eos_token", "<|endoftext|>", "unk_token", "<|endoftext|>", "pad_token", "<|endoftext|>");
            case "LlamaTokenizer", "CodeLlamaTokenizer" ->
                Map.of("bos_token", "<s>", "eos_token", "</s>", "unk_token", "<unk>");
            case "GemmaTokenizer" ->
                Map.of("bos_token", "<bos>", "eos_token", "<eos>", "unk_token", "<unk>", "pad_token", "<pad>");
            case "T5Tokenizer" -> Map.of("eos_token", "</s>", "unk_token", "<unk>", "pad_token", "<pad>");
            case "BertTokenizer" ->
                Map.of(
                        "unk_token",
                        "[UNK]",
                        "sep_token",
                        "[SEP]",
                        "pad_token",
                        "[PAD]",
                        "cls_token",
                        "[CLS]",
                        "mask_token",
                        "[MASK]");
            case "RobertaTokenizer" ->
                Map.of(
                        "bos_token",
                        "<s>",
                        "eos_token",
                        "</s>",
                        "sep_token",
                        "</s>",
                        "cls_token",
                        "<s>",
                        "unk_token",
                        "<unk>",
                        "pad_token",
                        "<pad>",
                        "mask_token",
                        "<mask>");
            default -> Map.of();
        };
    }

    /** The classes whose fast tokenizer rewrites the post-processor from add_bos_token/add_eos_token. */
    private static boolean rebuildsPostProcessor(String cls) {
        return Set.of("LlamaTokenizer", "CodeLlamaTokenizer", "GemmaTokenizer").contains(cls);
    }

    /** The classes whose {@code clean_up_tokenization_spaces} defaults to False. */
    private static boolean cleansNothingByDefault(String cls) {
        return Set.of("LlamaTokenizer", "CodeLlamaTokenizer", "GemmaTokenizer", "Qwen2Tokenizer")
                .contains(cls);
    }

    private static String content(Object value, Path file, String key) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        try {
            return TokenizerFiles.tokenContent((JsonNode) value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " in the tokenizer config beside " + file + ": " + e.getMessage());
        }
    }

    private static String string(Object value) {
        if (value instanceof JsonNode n) {
            return n.isNull() ? null : n.asText();
        }
        return value == null ? null : value.toString();
    }

    private static boolean bool(Object value, boolean dflt) {
        if (value instanceof JsonNode n) {
            return n.isNull() ? dflt : n.asBoolean(dflt);
        }
        return value == null ? dflt : Boolean.parseBoolean(value.toString());
    }

    private static double number(Object value, double dflt) {
        if (value instanceof JsonNode n) {
            return n.isNumber() ? n.asDouble() : dflt;
        }
        return value instanceof Number x ? x.doubleValue() : dflt;
    }
}
