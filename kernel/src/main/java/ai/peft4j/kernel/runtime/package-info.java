/**
 * The facade cells use to talk to the notebook ({@code display}, {@code updateDisplay}); every
 * session static-imports it.
 */
package ai.peft4j.kernel.runtime;
