/**
 * Reading and writing files: {@link ai.peft4j.io.LocalFiles} opens only regular files, so a FIFO,
 * a device or a directory where a checkpoint file should be is an error rather than a hang; the
 * subpackages read and write the Hugging Face formats.
 */
package ai.peft4j.io;
