/**
 * Hugging Face model architectures whose module paths are the HF state-dict names, loaded from a
 * checkpoint directory ({@code config.json} + {@code *.safetensors}).
 *
 * <pre>{@code
 * var model = AutoModelForCausalLM.fromPretrained(Path.of("tiny_opt"));
 * CausalLMOutput out = model.forward(inputIds, attentionMask, labels);
 * }</pre>
 *
 * <p>May use: {@code io}, {@code nn}; the architecture packages use this one, never the reverse.
 */
package ai.peft4j.models;
