/**
 * Prefix tuning (PEFT's {@code PREFIX_TUNING}): learned keys and values put in front of every
 * attention layer's own, as past keys and values ({@link
 * ai.peft4j.tuners.prefixtuning.PrefixTuningConfig}, {@link
 * ai.peft4j.tuners.prefixtuning.PrefixEncoder}).
 *
 * <pre>{@code
 * PeftModel peft = Peft.prefixTuning().virtualTokens(20).task(TaskType.CAUSAL_LM).apply(lm);
 * }</pre>
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}, {@code config}, {@code tuners}, {@code
 * tuners.prompt}; no other method.
 */
package ai.peft4j.tuners.prefixtuning;
