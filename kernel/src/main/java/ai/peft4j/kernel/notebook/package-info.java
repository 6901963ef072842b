/** Headless execution of {@code .ipynb} files through the JShell engine (no Jupyter, no Python). */
package ai.peft4j.kernel.notebook;
