package ai.peft4j;

import ai.peft4j.tuners.lora.LoraConfig;
import ai.peft4j.tuners.prefixtuning.PrefixTuningConfig;
import ai.peft4j.tuners.prompttuning.PromptTuningConfig;
import ai.peft4j.tuners.ptuning.PromptEncoderConfig;
import java.util.Map;

/**
 * The config readers of the methods peft4j ships, one line per method. {@link PeftConfigRegistry} finds this class
 * through {@code META-INF/services/ai.peft4j.PeftConfigRegistry$Provider} on first use, so the registry and
 * {@link PeftConfig} know no config class.
 *
 * <pre>{@code
 * PeftConfigRegistry.supportedTypes();   // [PROMPT_TUNING, P_TUNING, PREFIX_TUNING, LORA]
 * }</pre>
 */
public final class BuiltInConfigs implements PeftConfigRegistry.Provider {

  @Override
  public Map<PeftType, PeftConfigRegistry.Reader<?>> readers() {
    return Map.of(
        PeftType.LORA, LoraConfig::read,
        PeftType.P_TUNING, PromptEncoderConfig::read,
        PeftType.PROMPT_TUNING, PromptTuningConfig::read,
        PeftType.PREFIX_TUNING, PrefixTuningConfig::read);
  }
}
