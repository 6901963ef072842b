/**
 * File-system helpers shared by every saver: {@link ai.peft4j.io.AtomicFolder} saves a folder's
 * files as one step, so that a process killed while saving leaves the old save or the new one.
 * The sub-packages read and write the formats: safetensors, Python-style JSON, the Hugging Face
 * Hub.
 *
 * <p>This package depends on nothing else in peft4j.
 */
package ai.peft4j.io;
