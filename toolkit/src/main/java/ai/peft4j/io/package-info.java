/**
 * File-system helpers shared by every saver: {@link ai.peft4j.io.AtomicFolder} saves a folder's
 * files as one step, so that a process killed while saving leaves the old save or the new one.
 * The sub-packages read and write the formats: safetensors, Python-style JSON, the Hugging Face
 * Hub.
 *
 * <p>{@link ai.peft4j.io.LocalFiles} opens only regular files, so a FIFO, a device or a directory
 * where a checkpoint file should be is an error rather than a hang.
 *
 * <p>This package depends on nothing else in peft4j.
 */
package ai.peft4j.io;
