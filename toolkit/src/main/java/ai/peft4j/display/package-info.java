/**
 * How peft4j's values look: in notebooks, and as text exactly as Python prints it.
 *
 * <p>{@link ai.peft4j.display.MimeRenderer} is the one place that turns a value into a {@link
 * ai.peft4j.display.MimeBundle} ({@code text/plain}, {@code text/html}, {@code image/png}, ...).
 * peft4j's kernel, JJava and IJava ({@link ai.peft4j.display.jupyter}) all render through it; a
 * type joins by implementing {@link ai.peft4j.display.Displayable}. {@link
 * ai.peft4j.display.LiveTrainingDisplay} shows a trainer's progress in a notebook as one output
 * redrawn in place (the loss chart under a progress line), on the {@link
 * ai.peft4j.display.LiveOutputs} a kernel provides.
 *
 * <p>peft4j also has to produce files and console lines that are byte-for-byte what the Python
 * stack produces ({@code adapter_config.json}, "trainable params" lines). Java's own number and
 * JSON formatting differ in small ways (exponent style, shortest digits, separators), so {@link
 * ai.peft4j.display.PyFormat} reimplements Python's rules:
 *
 * <pre>{@code
 * PyFormat.repr(1e-5);                  // "1e-05"
 * PyFormat.thousands(1572864);          // "1,572,864"
 * }</pre>
 *
 * <p>May use: every toolkit package below it, {@code train} included; the kernel module uses it.
 */
package ai.peft4j.display;
