/**
 * Training PEFT adapters: {@link ai.peft4j.train.PeftTrainer} (AdamW, learning-rate schedules,
 * gradient accumulation and clipping, evaluation, checkpoints and resume), {@link
 * ai.peft4j.train.TextDataset} with {@link ai.peft4j.train.TextTokenizer} for data, progress
 * reporting through {@link ai.peft4j.train.TrainingListener}, loss curves through {@link
 * ai.peft4j.train.LossCurves}, and {@link ai.peft4j.train.DjlTraining} for DJL's own trainer.
 *
 * <pre>{@code
 * var data = TextDataset.causalLm(texts, TextTokenizer.fromFile(Path.of("tokenizer.json"), 1), 128);
 * var trainer = PeftTrainer.builder(peft).trainData(data).learningRate(2e-4).epochs(1).build();
 * trainer.train();
 * trainer.history();
 * trainer.lossCurveSvg();
 * }</pre>
 *
 * <p>May use: everything up to the root package ({@code PeftModel}); never {@code display}, which shows what training records.
 */
package ai.peft4j.train;
