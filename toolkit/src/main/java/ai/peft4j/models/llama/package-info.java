/**
 * Llama ({@code model_type "llama"}): transformers' {@code LlamaForCausalLM} with its module
 * names: RMS norms, rotary position embeddings, grouped-query attention and a SwiGLU MLP.
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}.
 */
package ai.peft4j.models.llama;
