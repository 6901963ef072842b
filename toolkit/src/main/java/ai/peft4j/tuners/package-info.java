/**
 * What the adapter methods that change layers share: choosing which modules of a base model get an adapter.
 *
 * <pre>{@code
 * TargetMatcher m = TargetMatcher.of(LoraConfig.builder().targetModules("q_proj", "v_proj").build());
 * m.matches("model.decoder.layers.0.self_attn.q_proj");   // true
 * }</pre>
 */
package ai.peft4j.tuners;
