package ai.peft4j.tuners;

import ai.djl.nn.Block;
import ai.peft4j.PeftType;

/**
 * One PEFT method as {@code PeftModel} sees it: PEFT's {@code PEFT_TYPE_TO_TUNER_MAPPING} entry. A
 * method registers its implementation with one line in {@code
 * META-INF/services/ai.peft4j.tuners.TunerMethod}; {@link TunerRegistry} finds it there.
 *
 * <pre>{@code
 * public final class LoraMethod implements TunerMethod {
 *   public PeftType peftType() { return PeftType.LORA; }
 *   public AdapterHost newHost(Block model) { return new LoraModel(model); }
 * }
 * }</pre>
 */
public interface TunerMethod {

  /** The {@code peft_type} this method implements. */
  PeftType peftType();

  /** A host for this method's adapters around the user's {@code model} (which it may wrap). */
  AdapterHost newHost(Block model);
}
