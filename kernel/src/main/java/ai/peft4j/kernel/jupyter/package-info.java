/**
 * The Jupyter side: {@link ai.peft4j.kernel.jupyter.Peft4jKernel} adapts the JShell engine to
 * JJava's {@code BaseKernel} (messaging protocol, channels, streams).
 */
package ai.peft4j.kernel.jupyter;
