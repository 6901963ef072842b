package ai.peft4j.config;

import ai.peft4j.io.AtomicFolder;
import ai.peft4j.io.LocalFiles;
import ai.peft4j.io.hub.HubClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which Java class reads which {@code peft_type}, and the reading itself: {@link PeftConfig#fromJson(String)} and
 * the typed {@code fromJson}/{@code fromPretrained} of each config class's {@link ConfigSchema} come here.
 *
 * <p>The registry knows no config class. The methods are {@link PeftMethod}s listed in
 * {@code META-INF/services/ai.peft4j.config.PeftMethod}, loaded on first use (whichever class is touched
 * first), so adding a method takes one line there. Code outside peft4j can also call
 * {@link #register} at any time. A reader takes the {@link ConfigFields} of the file and returns the validated
 * config; keys it does not ask for are reported as ignored.
 *
 * <pre>{@code
 * PeftConfigRegistry.isSupported(PeftType.LORA);        // true
 * PeftConfigRegistry.register(PeftType.P_TUNING, PromptEncoderConfig.SCHEMA::read);
 * }</pre>
 */
public final class PeftConfigRegistry {

    /** Builds one config type from the keys of an {@code adapter_config.json}. */
    @FunctionalInterface
    public interface Reader<T extends PeftConfig> {
        T read(ConfigFields fields);
    }

    private static final Logger LOG = LoggerFactory.getLogger(PeftConfig.class);

    private static final Map<PeftType, Reader<?>> READERS = new EnumMap<>(PeftType.class);
    private static boolean providersLoaded;

    private PeftConfigRegistry() {}

    /** Registers (or replaces) the reader for {@code type}. */
    public static synchronized void register(PeftType type, Reader<?> reader) {
        loadProviders();
        READERS.put(type, reader);
    }

    /** Removes a reader; for tests that register a stand-in and must leave the registry as they found it. */
    static synchronized Reader<?> unregister(PeftType type) {
        loadProviders();
        return READERS.remove(type);
    }

    /** Whether configs of {@code type} can be read. */
    public static synchronized boolean isSupported(PeftType type) {
        loadProviders();
        return READERS.containsKey(type);
    }

    /** The types that can be read now. */
    public static synchronized Set<PeftType> supportedTypes() {
        loadProviders();
        return READERS.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(READERS.keySet()));
    }

    /** The reader for {@code type}, or a clear error saying the method is not supported yet. */
    static synchronized Reader<?> readerFor(PeftType type) {
        loadProviders();
        Reader<?> reader = READERS.get(type);
        if (reader == null) {
            throw new PeftConfigException(type + " configs are not supported by peft4j yet (supported: "
                    + (READERS.isEmpty()
                            ? "none: no " + PeftMethod.class.getName() + " was found on the class path"
                            : READERS.keySet().stream().map(Enum::name).collect(Collectors.joining(", ")))
                    + ")");
        }
        return reader;
    }

    // Called with the class lock held. The flag is set first, so a provider that registers from its own code does
    // not load the providers again.
    private static void loadProviders() {
        if (providersLoaded) {
            return;
        }
        providersLoaded = true;
        // The toolkit's own class loader: JShell and notebook kernels may set another context loader.
        for (PeftMethod m : ServiceLoader.load(PeftMethod.class, PeftMethod.class.getClassLoader())) {
            READERS.putIfAbsent(m.peftType(), m::readConfig);
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads a config, returning the ignored keys to the caller.
     *
     * @param source   where the text came from, used in error messages; {@code null} for none
     * @param expected the type the caller wants: a missing {@code peft_type} is taken to be it, a different one is an
     *                 error; {@code null} for whichever type the text holds
     * @param type     the config class the caller wants
     */
    public static <T extends PeftConfig> ParsedConfig<T> parse(
            String json, String source, PeftType expected, Class<T> type) {
        try {
            ConfigFields fields = ConfigFields.parse(json);
            PeftType peftType = readPeftType(fields, expected);
            PeftConfig config = readerFor(peftType).read(fields);
            if (!type.isInstance(config)) {
                throw new PeftConfigException("the reader registered for " + peftType + " returned a "
                        + config.getClass().getSimpleName() + ", not a " + type.getSimpleName());
            }
            return new ParsedConfig<>(type.cast(config), fields.unusedKeys(), source);
        } catch (PeftConfigException e) {
            if (source == null) {
                throw e;
            }
            throw new PeftConfigException(source + ": " + e.getMessage(), e);
        }
    }

    /** Reads a config of {@code type} from JSON text, logging the ignored keys in one warning. */
    public static <T extends PeftConfig> T fromJson(String json, PeftType expected, Class<T> type) {
        return warnIgnored(parse(json, null, expected, type)).config();
    }

    /** Reads {@code dir/adapter_config.json}, logging the ignored keys in one warning; errors name the file. */
    public static <T extends PeftConfig> T fromPretrained(Path dir, PeftType expected, Class<T> type) {
        Path file = configFile(dir);
        return warnIgnored(parse(readConfigText(file), file.toString(), expected, type))
                .config();
    }

    /**
     * The folder holding {@code adapter_config.json}: {@code nameOrPath} itself when it is a local folder, else the
     * Hub repo of that id (only that file is downloaded; see {@link HubClient}).
     */
    public static Path configDir(String nameOrPath) {
        return HubClient.getDefault().filesDir(nameOrPath, List.of(PeftConfig.CONFIG_NAME));
    }

    /** {@code dir/adapter_config.json}, or a clear error when it is not there. */
    static Path configFile(Path dir) {
        Path file = AtomicFolder.file(dir, PeftConfig.CONFIG_NAME); // a save that a killed process committed
        if (!Files.isRegularFile(file)) {
            throw new PeftConfigException("no " + PeftConfig.CONFIG_NAME + " in " + dir
                    + (Files.isDirectory(dir) ? "" : " (not a directory)"));
        }
        return file;
    }

    /**
     * The text of a config file, which PEFT writes as UTF-8. Other bytes (a file saved as Latin-1 or UTF-16, or
     * damaged) are a {@link PeftConfigException} naming the file and the first bad byte, not a bare decoder error.
     */
    static String readConfigText(Path file) {
        byte[] bytes;
        try {
            bytes = LocalFiles.readRegular(file, LocalFiles.MAX_JSON_BYTES);
        } catch (LocalFiles.NotRegularFileException | LocalFiles.FileTooLargeException e) {
            throw new PeftConfigException(file + " " + e.getReason(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw new PeftConfigException(file + ": not valid UTF-8 at byte " + at + " (line " + line + ", byte 0x"
                    + String.format("%02X", bytes[at] & 0xFF) + "); PEFT writes " + PeftConfig.CONFIG_NAME
                    + " as UTF-8 JSON, so this file was saved in another encoding (Latin-1, UTF-16...) or is damaged");
        }
        return out.flip().toString();
    }

    /** Logs the keys a reader dropped, once per file. */
    static <T extends PeftConfig> ParsedConfig<T> warnIgnored(ParsedConfig<T> parsed) {
        if (!parsed.ignoredKeys().isEmpty()) {
            LOG.warn(ignoredKeysMessage(parsed));
        }
        return parsed;
    }

    static String ignoredKeysMessage(ParsedConfig<?> parsed) {
        return "Ignoring " + parsed.ignoredKeys().size() + " unknown key(s) in "
                + (parsed.source() == null ? "the " + parsed.config().peftType() + " config" : parsed.source())
                + " (written by a newer PEFT?): " + String.join(", ", parsed.ignoredKeys());
    }

    private static PeftType readPeftType(ConfigFields fields, PeftType expected) {
        if (!fields.has("peft_type") && expected != null) {
            fields.raw("peft_type");
            return expected;
        }
        if (!fields.has("peft_type")) {
            throw new PeftConfigException(
                    "key 'peft_type' is missing; expected one of " + Arrays.toString(PeftType.values()));
        }
        Object value = fields.raw("peft_type");
        if (!(value instanceof String name)) {
            throw ConfigFields.wrongType("peft_type", value, "a string naming the PEFT method, such as \"LORA\"");
        }
        PeftType found;
        try {
            found = PeftType.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new PeftConfigException("key 'peft_type': unknown PEFT method \"" + name + "\"; expected one of "
                    + Arrays.stream(PeftType.values()).map(Enum::name).collect(Collectors.joining(", ")));
        }
        if (expected != null && found != expected) {
            throw new PeftConfigException("key 'peft_type': expected " + expected + " for this config class, found "
                    + found + " (read it with PeftConfig.fromJson to get whichever type the file holds)");
        }
        return found;
    }
}
