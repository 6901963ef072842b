/**
 * Training PEFT adapters: {@link ai.peft4j.train.PeftTrainer} (AdamW, learning-rate schedules,
 * gradient accumulation and clipping, evaluation, checkpoints and resume) with its settings in
 * {@link ai.peft4j.train.TrainingArguments}, {@link ai.peft4j.train.TextDataset} with {@link
 * ai.peft4j.train.TextTokenizer} for data, progress reporting through {@link
 * ai.peft4j.train.TrainingListener}, and {@link ai.peft4j.train.DjlTraining} for DJL's own
 * trainer. The step log is plain data ({@link ai.peft4j.train.StepRecord}); {@code
 * ai.peft4j.display} turns it into tables and loss curves, and this package does not depend on
 * it.
 *
 * <pre>{@code
 * var data = TextDataset.causalLm(texts, TextTokenizer.fromFile(Path.of("tokenizer.json"), 1), 128);
 * var trainer = PeftTrainer.builder(peft).trainData(data).learningRate(2e-4).epochs(1).build();
 * trainer.train();
 * trainer.records();
 * }</pre>
 *
 * <p>May use: everything up to the root package ({@code PeftModel}); never {@code display}, which shows what training records.
 */
package ai.peft4j.train;
