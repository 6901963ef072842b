/**
 * What all PEFT methods share: choosing target modules ({@link ai.peft4j.tuners.TargetMatcher}
 * over a config's {@link ai.peft4j.tuners.TargetedConfig} fields), putting layers there ({@link
 * ai.peft4j.tuners.Injector}, which asks a method's ordered {@link ai.peft4j.tuners.LayerFactory}
 * list), the {@link ai.peft4j.tuners.TunerLayer} contract of a layer that carries adapters, the
 * generic {@link ai.peft4j.tuners.BaseTuner} that switches, merges and unloads them, and the
 * trainable copies of {@code modules_to_save} ({@link ai.peft4j.tuners.ModulesToSaveWrapper}).
 * One package per method ({@code tuners.lora}, ...) holds its config, its layer, its layer
 * factories and its model; nothing here knows a method.
 *
 * <pre>{@code
 * TargetMatcher m = TargetMatcher.of(LoraConfig.builder().targetModules("q_proj", "v_proj").build());
 * m.matches("model.decoder.layers.0.self_attn.q_proj");   // true
 * }</pre>
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}, {@code config}; never a method package.
 */
package ai.peft4j.tuners;
