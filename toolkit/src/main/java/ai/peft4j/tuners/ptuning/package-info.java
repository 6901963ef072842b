/**
 * P-tuning (PEFT's {@code P_TUNING}): virtual tokens produced by a small MLP or LSTM encoder ({@link
 * ai.peft4j.tuners.ptuning.PromptEncoderConfig}, {@link ai.peft4j.tuners.ptuning.PromptEncoder}).
 *
 * <pre>{@code
 * PeftModel peft = Peft.pTuning().virtualTokens(20).encoderHiddenSize(128)
 *     .task(TaskType.SEQ_CLS).apply(roberta);
 * }</pre>
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}, {@code config}, {@code tuners}, {@code
 * tuners.prompt}; no other method.
 */
package ai.peft4j.tuners.ptuning;
