/**
 * What the prompt-learning methods share (PEFT's prompt learning part of {@code PeftModel}): {@link
 * ai.peft4j.tuners.prompt.PromptLearningConfig}, the {@link
 * ai.peft4j.tuners.prompt.VirtualTokenEncoder} base and {@link
 * ai.peft4j.tuners.prompt.PromptLearning}, the adapter host that keeps one encoder per adapter
 * beside the user's model and computes the virtual tokens (or prefix keys and values) that the task
 * models put in front of the input.
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}, {@code config}, {@code tuners}. The methods
 * ({@code prompttuning}, {@code ptuning}, {@code prefixtuning}) use this package, never the reverse.
 */
package ai.peft4j.tuners.prompt;
