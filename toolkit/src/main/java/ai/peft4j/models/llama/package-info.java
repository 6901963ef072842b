/**
 * Llama ({@code model_type "llama"}): transformers' {@code LlamaForCausalLM} with its module
 * names: RMS norms, rotary position embeddings, grouped-query attention and a SwiGLU MLP.
 */
package ai.peft4j.models.llama;
