/**
 * transformers' {@code AutoModelFor*}: the architecture class picked by {@code model_type} in
 * {@code config.json}, loaded from a local folder or the Hub (or, in demo mode, built from a shipped
 * config with seeded weights).
 *
 * <pre>{@code
 * var lm = AutoModelForCausalLM.fromPretrained("facebook/opt-125m");
 * }</pre>
 *
 * <p>May use: {@code io}, {@code nn}, {@code models} and its architecture packages.
 */
package ai.peft4j.models.auto;
