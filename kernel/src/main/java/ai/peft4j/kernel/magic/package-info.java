/**
 * Cell magics as IJava and JJava spell them ({@code %maven}, {@code %jars}, {@code %classpath},
 * {@code %time}, {@code %timeit}, {@code %%loadFromPOM}, {@code %%java}), in front of the JShell
 * evaluator. Independent of Jupyter: the kernel and the headless runner share them.
 */
package ai.peft4j.kernel.magic;
