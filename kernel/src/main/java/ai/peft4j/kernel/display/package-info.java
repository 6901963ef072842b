/**
 * Turning cell values into MIME bundles: a small registry of renderers, with {@code toHtml()},
 * array and {@code NDArray} support built in.
 */
package ai.peft4j.kernel.display;
