/**
 * peft4j: parameter-efficient fine-tuning for Java that reads and writes Hugging Face PEFT's files.
 *
 * <p>This package holds what every adapter method shares: the {@link ai.peft4j.config.PeftConfig} base with its JSON
 * reading and writing, driven by {@link ai.peft4j.config.ConfigField} declarations (one per key) listed in each config's
 * {@link ai.peft4j.config.ConfigSchema}; the {@link ai.peft4j.config.PeftConfigRegistry} that maps {@code peft_type} to a reader
 * (filled from {@link ai.peft4j.BuiltInConfigs} through {@code META-INF/services}); and the {@link ai.peft4j.Peft}
 * entry point.
 *
 * <pre>{@code
 * PeftConfig config = PeftConfig.fromPretrained(Path.of("adapter-dir"));
 * LoraConfig mine = Peft.lora().r(16).alpha(32).targets("q_proj", "v_proj").build();
 * mine.savePretrained(Path.of("out"));
 * }</pre>
 *
 * <p>Level 5 (see ARCHITECTURE.md). May use: {@code io}, {@code nn}, {@code models}, {@code config}, {@code tuners} and the method packages; {@code train} and {@code display} use this package, never the reverse.
 */
package ai.peft4j;
