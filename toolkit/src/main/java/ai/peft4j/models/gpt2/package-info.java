/**
 * GPT-2 ({@code model_type "gpt2"}): transformers' {@code GPT2LMHeadModel} with its module names,
 * including the {@code Conv1D} layers whose weights are stored {@code [in, out]}.
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}.
 */
package ai.peft4j.models.gpt2;
