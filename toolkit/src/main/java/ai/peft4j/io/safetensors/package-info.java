/**
 * Reading and writing Hugging Face safetensors files, byte-compatible with the reference
 * implementation (safetensors 0.4.x).
 *
 * <ul>
 *   <li>{@link ai.peft4j.io.safetensors.SafetensorsFile}: open and validate one file, read tensors
 *       as memory-mapped bytes, floats or DJL NDArrays (narrow floats widened to FLOAT32 in Java);
 *   <li>{@link ai.peft4j.io.safetensors.SafetensorsWriter}: write a file atomically, in the exact
 *       byte layout of the reference serializer;
 *   <li>{@link ai.peft4j.io.safetensors.SafetensorsCheckpoint}: a single-file or sharded
 *       ({@code model.safetensors.index.json}) checkpoint directory, and writing sharded output;
 *   <li>{@link ai.peft4j.io.safetensors.SafetensorsException}: the single, typed error for every
 *       malformed input.
 * </ul>
 *
 * <pre>{@code
 * try (SafetensorsFile in = SafetensorsFile.open(dir.resolve("model.safetensors"));
 *     NDManager m = NDManager.newBaseManager()) {
 *   NDArray w = in.toNDArray("model.decoder.embed_tokens.weight", m);
 *   SafetensorsWriter.write(out, Map.of("w", Tensor.of(w)), Map.of("format", "pt"));
 * }
 * }</pre>
 *
 * <p>This package depends on nothing else in peft4j; only on DJL's ndarray types and Jackson.
 *
 * <p>May use: nothing of peft4j above {@code io}.
 */
package ai.peft4j.io.safetensors;
