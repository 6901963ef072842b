package ai.peft4j.tuners;

import ai.djl.nn.Block;
import ai.peft4j.config.PeftMethod;

/**
 * One PEFT method as {@code PeftModel} sees it: how its config is read and what hosts its adapters
 * (PEFT's {@code PEFT_TYPE_TO_CONFIG_MAPPING} and {@code PEFT_TYPE_TO_TUNER_MAPPING} entries). A
 * method registers its implementation with one line in {@code
 * META-INF/services/ai.peft4j.config.PeftMethod}; {@link TunerRegistry} and the config registry find it
 * there.
 *
 * <pre>{@code
 * public final class LoraMethod implements TunerMethod {
 *   public PeftType peftType() { return PeftType.LORA; }
 *   public PeftConfig readConfig(ConfigFields fields) { return LoraConfig.read(fields); }
 *   public AdapterHost newHost(Block model) { return new LoraModel(model); }
 * }
 * }</pre>
 */
public interface TunerMethod extends PeftMethod {

    /** A host for this method's adapters around the user's {@code model} (which it may wrap). */
    AdapterHost newHost(Block model);
}
