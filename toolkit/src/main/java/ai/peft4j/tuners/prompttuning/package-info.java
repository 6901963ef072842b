/**
 * Prompt tuning (PEFT's {@code PROMPT_TUNING}): learned virtual-token embeddings, initialised at
 * random or from the embeddings of a text ({@link ai.peft4j.tuners.prompttuning.PromptTuningConfig},
 * {@link ai.peft4j.tuners.prompttuning.PromptEmbedding}).
 *
 * <pre>{@code
 * PeftModel peft = Peft.promptTuning().virtualTokens(20).task(TaskType.CAUSAL_LM).apply(lm);
 * }</pre>
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}, {@code config}, {@code tuners}, {@code
 * tuners.prompt}; no other method.
 */
package ai.peft4j.tuners.prompttuning;
