/**
 * peft4j's Jupyter kernel: {@link ai.peft4j.kernel.Main} is the command line ({@code install},
 * {@code execute}, or serving a Jupyter connection).
 */
package ai.peft4j.kernel;
