/**
 * Mistral ({@code model_type "mistral"}): transformers' {@code MistralForCausalLM} on the shared Llama-family
 * blocks, with transformers 4.39's sliding-window mask.
 */
package ai.peft4j.models.mistral;
