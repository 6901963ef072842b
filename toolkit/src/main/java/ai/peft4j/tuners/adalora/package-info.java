/**
 * AdaLoRA (adaptive budget allocation for LoRA), as PEFT 0.10: its config {@link
 * ai.peft4j.tuners.adalora.AdaLoraConfig} (PEFT's {@code adapter_config.json}, {@code peft_type} {@code "ADALORA"}); its
 * layer {@link ai.peft4j.tuners.adalora.SVDLinear}, an update {@code B · (A ⊙ E)} in SVD form; {@link
 * ai.peft4j.tuners.adalora.AdaLoraModel}, which injects it with PEFT's default targets per model type, adds the
 * orthogonal regulariser to the loss and, after each optimizer step, lets the {@link
 * ai.peft4j.tuners.adalora.RankAllocator} prune singular values to the step's budget.
 *
 * <pre>{@code
 * PeftModel peft = Peft.adalora().initR(12).targetR(4).tinit(50).tfinal(100).totalStep(1000)
 *         .task(TaskType.CAUSAL_LM).apply(opt);          // OPT: q, k, v, out_proj, fc1, fc2
 * PeftTrainer.builder(peft).trainData(data).maxSteps(1000).build().train();
 * peft.savePretrained(Path.of("adalora"));                // rank_pattern and the pruned tensors, as PEFT
 * }</pre>
 *
 * <p>May use: {@code io}, {@code nn}, {@code models}, {@code config}, {@code tuners}; no other method.
 */
package ai.peft4j.tuners.adalora;
