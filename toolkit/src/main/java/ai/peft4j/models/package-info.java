/**
 * Hugging Face model architectures whose module paths are the HF state-dict names, loaded from a
 * checkpoint directory ({@code config.json} + {@code *.safetensors}).
 *
 * <pre>{@code
 * var model = AutoModelForCausalLM.fromPretrained(Path.of("tiny_opt"));
 * CausalLMOutput out = model.forward(inputIds, attentionMask, labels);
 * }</pre>
 *
 * <p>An architecture package holds its blocks, one class per transformers module, each forward written as the
 * architecture reads. The mechanics they share live here: {@link ai.peft4j.models.PreTrainedModel} records the base
 * model and task heads as they are added; a causal LM adds a {@link ai.peft4j.models.DecoderModel} and gets its
 * {@code lm_head}, loss and {@code generate} ({@link ai.peft4j.models.DecodingCache}); attention classes split and
 * merge heads and prepend cached keys through {@link ai.peft4j.models.Attention}.
 *
 * <p>May use: {@code io}, {@code nn}; the architecture packages use this one, never the reverse.
 */
package ai.peft4j.models;
