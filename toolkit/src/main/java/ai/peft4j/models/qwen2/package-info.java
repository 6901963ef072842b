/**
 * Qwen2 ({@code model_type "qwen2"}, Qwen2 and Qwen2.5 checkpoints): transformers' {@code Qwen2ForCausalLM} on the
 * shared Llama-family blocks, with q/k/v biases and the 4.39 eager sliding-window mask.
 */
package ai.peft4j.models.qwen2;
