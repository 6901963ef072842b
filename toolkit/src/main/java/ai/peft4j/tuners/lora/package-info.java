/**
 * LoRA (low-rank adaptation): its config, readable from and writable to PEFT's {@code adapter_config.json};
 * its layers {@link ai.peft4j.tuners.lora.LoraLinear} (on Linear and Conv1D, with DoRA as an option) and
 * {@link ai.peft4j.tuners.lora.LoraEmbedding} (on embedding tables), the factories that put them on
 * those layers ({@link ai.peft4j.tuners.lora.LoraLayerFactory}), and {@link ai.peft4j.tuners.lora.LoraModel};
 * PEFT's {@code add_weighted_adapter} ({@link ai.peft4j.tuners.lora.WeightedAdapterMerge}, with PEFT's {@code
 * merge_utils} in {@link ai.peft4j.tuners.lora.MergeUtils}).
 *
 * <pre>{@code
 * LoraConfig config = LoraConfig.builder()
 *         .r(16).loraAlpha(32).loraDropout(0.05)
 *         .targetModules("q_proj", "v_proj")
 *         .taskType(TaskType.CAUSAL_LM)
 *         .build();
 * config.savePretrained(Path.of("my-adapter"));     // loads in Python: PeftConfig.from_pretrained("my-adapter")
 * }</pre>
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}, {@code config}, {@code tuners}; no other method.
 */
package ai.peft4j.tuners.lora;
