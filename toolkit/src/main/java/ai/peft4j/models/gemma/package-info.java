/**
 * Gemma ({@code model_type "gemma"}): transformers' {@code GemmaForCausalLM} on the shared Llama-family blocks,
 * with its {@code (1 + w)} norms, scaled embeddings, GeGLU and decoupled head size.
 */
package ai.peft4j.models.gemma;
