/**
 * Text exactly as Python prints it.
 *
 * <p>peft4j has to produce files and console lines that are byte-for-byte what the Python stack produces
 * ({@code adapter_config.json}, "trainable params" lines). Java's own number and JSON formatting differ in
 * small ways (exponent style, shortest digits, separators), so this package reimplements Python's rules:
 *
 * <pre>{@code
 * PyFormat.repr(1e-5);                  // "1e-05"
 * PyFormat.thousands(1572864);          // "1,572,864"
 * }</pre>
 *
 * <p>May use: every toolkit package below it, {@code train} included; the kernel module uses it.
 */
package ai.peft4j.display;
