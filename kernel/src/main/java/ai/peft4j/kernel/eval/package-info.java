/**
 * The JShell evaluation engine: cells split into snippets, run in this JVM, values returned as
 * real objects, one exception per failure kind. Independent of Jupyter.
 */
package ai.peft4j.kernel.eval;
