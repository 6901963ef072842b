/**
 * Registers peft4j's renderers in other Java kernels, so configs, models and tables look the same
 * in IJava and JJava as in peft4j's own kernel. Each adapter touches its kernel's classes only
 * after {@link ai.peft4j.display.jupyter.NotebookDisplay} has found them on the class path.
 *
 * <pre>{@code
 * // IJava: once per notebook (JJava installs it by itself through META-INF/services)
 * ai.peft4j.display.jupyter.NotebookDisplay.install();
 * }</pre>
 *
 * <p>May use: {@code display}; IJava and JJava classes only where their jars are present.
 */
package ai.peft4j.display.jupyter;
