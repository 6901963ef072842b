/**
 * What all PEFT methods share: choosing target modules ({@link ai.peft4j.tuners.TargetMatcher}),
 * the {@link ai.peft4j.tuners.TunerLayer} contract of a layer that carries adapters, and the
 * trainable copies of {@code modules_to_save} ({@link ai.peft4j.tuners.ModulesToSaveWrapper}).
 * One package per method ({@code tuners.lora}, ...) holds its config, its layer and its injection.
 */
package ai.peft4j.tuners;
