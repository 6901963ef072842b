/**
 * (IA)³ (infused adapter by inhibiting and amplifying inner activations): its config {@link
 * ai.peft4j.tuners.ia3.IA3Config}, readable from and writable to PEFT's {@code adapter_config.json};
 * its layer {@link ai.peft4j.tuners.ia3.IA3Linear} (on Linear and Conv1D), which multiplies a
 * layer's output, or for feed-forward layers its input, by a learned vector; the factories that
 * put it on those layers ({@link ai.peft4j.tuners.ia3.IA3LayerFactory}); and {@link
 * ai.peft4j.tuners.ia3.IA3Model}, with PEFT's default target and feed-forward modules per model type.
 *
 * <pre>{@code
 * PeftModel peft = Peft.ia3().task(TaskType.CAUSAL_LM).apply(opt);   // q_proj, k_proj, fc2 (feed-forward)
 * peft.printTrainableParameters();
 * // opt-125m: trainable params: 55,296 || all params: 125,294,592 || trainable%: 0.044132790663462956
 * }</pre>
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}, {@code config}, {@code tuners}; no other method.
 */
package ai.peft4j.tuners.ia3;
