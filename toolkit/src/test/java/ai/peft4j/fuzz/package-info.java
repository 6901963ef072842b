/**
 * Coverage-guided fuzz tests (Jazzer) of everything that reads files: the safetensors reader, the
 * model loader and the adapter loader.
 *
 * <p><b>The contract they check.</b> Every input ends in a successful load or in one of peft4j's
 * typed exceptions, whose message says what is wrong with which file:
 *
 * <ul>
 *   <li>{@link ai.peft4j.io.safetensors.SafetensorsException}: a malformed or unreadable
 *       safetensors file (the reader's only error);
 *   <li>{@link ai.peft4j.models.ModelConfigException}: a {@code config.json} that cannot describe a
 *       model;
 *   <li>{@link ai.peft4j.models.WeightLoadException}: weights that cannot be read or do not fit the
 *       model;
 *   <li>{@link ai.peft4j.config.PeftConfigException}: an {@code adapter_config.json} PEFT would reject or
 *       peft4j does not support;
 *   <li>{@link ai.peft4j.tuners.AdapterLoadException}: adapter weights that cannot be read or do not fit
 *       the adapter.
 * </ul>
 *
 * <p>One convention of the tuners also counts for the adapter loader: a plain {@link
 * IllegalArgumentException} that peft4j itself raises with a message, for a config that PEFT
 * rejects when it builds the adapter (a dropout above 1, prefix tuning on a model without past
 * keys and values). Its subclasses and any IAE from the JDK or DJL do not count. Anything else
 * fails the fuzz test, and Jazzer saves the input (under {@code target/jazzer}). After a failed
 * adapter load the base model must also be exactly as it was.
 *
 * <p><b>How they run.</b> The classes end in {@code Fuzzer}, so the normal test run does not pick
 * them up. {@code mvn verify} runs each in its own surefire execution after the unit tests (Jazzer
 * fuzzes one test per JVM) with {@code JAZZER_FUZZ=1}, for {@link FuzzSupport#RUNS} inputs; each
 * asserts at the end that it tried at least {@link FuzzSupport#MIN_RUNS}. The seeds are the
 * tiny_opt fixture files under {@code src/test/resources/hf-reference/} and the saved inputs in
 * {@code <Class>Inputs/<method>/} beside each class (past findings and hand-made edge cases); new
 * coverage and crashing inputs go to {@code target/jazzer}.
 *
 * <ul>
 *   <li>Replay the seeds and saved inputs only: {@code mvn -pl toolkit test
 *       -Dtest=AdapterLoaderFuzzer}.
 *   <li>Fuzz one target longer: {@code mvn -pl toolkit test-compile
 *       surefire:test@fuzz-adapter-loader -Djazzer.max_executions=100000 -Djazzer.max_duration=30m}.
 *   <li>Skip the fuzzing in {@code verify}: {@code -Dpeft4j.fuzz.skip=true}.
 * </ul>
 */
package ai.peft4j.fuzz;
