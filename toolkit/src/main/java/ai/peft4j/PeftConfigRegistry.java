package ai.peft4j;

import ai.peft4j.tuners.lora.LoraConfig;
import ai.peft4j.tuners.prefixtuning.PrefixTuningConfig;
import ai.peft4j.tuners.prompttuning.PromptTuningConfig;
import ai.peft4j.tuners.ptuning.PromptEncoderConfig;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which Java class reads which {@code peft_type}. {@link PeftConfig#fromJson(String)} looks the type up here.
 *
 * <p>Adding a method takes one line: register its reader in the static block below (built-in configs) or call
 * {@link #register} from your own code (extensions). A reader takes the {@link ConfigFields} of the file and
 * returns the validated config; keys it does not ask for are reported as ignored.
 *
 * <pre>{@code
 * PeftConfigRegistry.isSupported(PeftType.LORA);        // true
 * PeftConfigRegistry.register(PeftType.P_TUNING, PromptEncoderConfig::read);
 * }</pre>
 */
public final class PeftConfigRegistry {

  /** Builds one config type from the keys of an {@code adapter_config.json}. */
  @FunctionalInterface
  public interface Reader<T extends PeftConfig> {
    T read(ConfigFields fields);
  }

  private static final Map<PeftType, Reader<?>> READERS = Collections.synchronizedMap(new EnumMap<>(PeftType.class));

  static {
    // Built-in configs: one line per method.
    register(PeftType.LORA, LoraConfig::read);
    register(PeftType.P_TUNING, PromptEncoderConfig::read);
    register(PeftType.PROMPT_TUNING, PromptTuningConfig::read);
    register(PeftType.PREFIX_TUNING, PrefixTuningConfig::read);
  }

  private PeftConfigRegistry() {}

  /** Registers (or replaces) the reader for {@code type}. */
  public static void register(PeftType type, Reader<?> reader) {
    READERS.put(type, reader);
  }

  /** Removes a reader; for tests that register a stand-in and must leave the registry as they found it. */
  static Reader<?> unregister(PeftType type) {
    return READERS.remove(type);
  }

  /** Whether configs of {@code type} can be read. */
  public static boolean isSupported(PeftType type) {
    return READERS.containsKey(type);
  }

  /** The types that can be read now. */
  public static Set<PeftType> supportedTypes() {
    synchronized (READERS) {
      return READERS.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(READERS.keySet()));
    }
  }

  /** The reader for {@code type}, or a clear error saying the method is not supported yet. */
  static Reader<?> readerFor(PeftType type) {
    Reader<?> reader = READERS.get(type);
    if (reader == null) {
      throw new PeftConfigException(type + " configs are not supported by peft4j yet (supported: "
          + supportedTypes().stream().map(Enum::name).collect(Collectors.joining(", ")) + ")");
    }
    return reader;
  }
}
