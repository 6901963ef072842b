/**
 * Adapter configs as PEFT writes them: the {@link ai.peft4j.config.PeftConfig} base, {@link
 * ai.peft4j.config.PeftType} and {@link ai.peft4j.config.TaskType}, the declarative field machinery
 * ({@link ai.peft4j.config.ConfigField}, one declaration per {@code adapter_config.json} key, listed
 * in a {@link ai.peft4j.config.ConfigSchema}), typed reading with {@link
 * ai.peft4j.config.ConfigFields}, and {@link ai.peft4j.config.PeftConfigRegistry}, which reads any
 * file by its {@code peft_type} through the {@link ai.peft4j.config.PeftMethod}s listed in {@code
 * META-INF/services}.
 *
 * <pre>{@code
 * PeftConfig config = PeftConfig.fromPretrained(Path.of("adapter-dir"));
 * config.peftType();                  // LORA
 * config.toJson();                    // PEFT's adapter_config.json text
 * }</pre>
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}. Knows no method: each method's config class
 * lives in its {@code tuners.<method>} package.
 */
package ai.peft4j.config;
